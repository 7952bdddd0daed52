# 户籍人口（公安）：未成年人及其父母的户籍信息。
profile hukou
title 户籍人口（公安机关户籍信息）
title_en Household registration (public security)
source public_security

role subject minor
role father
role mother

column subject.id_number  公民身份号码 身份证号 身份证号码 证件号码 身份证件号码
column subject.name       姓名 儿童姓名 未成年人姓名
column subject.gender     性别
column subject.birth_date 出生日期 出生年月日
column subject.ethnicity  民族
column subject.household  户籍地址 户籍地 户籍所在地 户籍地详址 户籍区划代码
column subject.residence  现住址 居住地址 现居住地 实际居住地
column father.name        父亲姓名
column father.id_number   父亲身份证号 父亲公民身份号码 父亲证件号码
column mother.name        母亲姓名
column mother.id_number   母亲身份证号 母亲公民身份号码 母亲证件号码
column hukou_type         户口性质 户籍性质 户口类别

require subject.name

relation subject father father guardian
relation subject mother mother guardian
map hukou_type 农业=hukou_rural 农业户口=hukou_rural 农村=hukou_rural 非农业=- 非农业户口=- 城镇=- 居民=- 居民户口=-
fact subject {hukou_type}
