# 学籍与在校状态（教育）：在读、休学、辍学。
profile school
title 学籍与在校状态（教育部门）
title_en Student register and school status (education)
source education

role subject minor

column subject.id_number  身份证号 公民身份号码 身份证件号码 证件号码 学生身份证号
column subject.name       学生姓名 姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.household  户籍地址 户口所在地 户籍所在地
column subject.residence  家庭住址 现住址
column subject.school     学校名称 就读学校 学校
column grade              年级
column class              班级 班级名称
column status             在校状态 学籍状态 就读状态 状态
column since              入学日期 入学时间 状态变动日期 变动日期

require subject.name status

map status 在读=in_school 在校=in_school 正常=in_school 借读=in_school 辍学=dropout 失学=dropout 休学=- 转出=- 毕业=-
fact subject {status} value={grade}{class} from={since}
end_missing in_school
