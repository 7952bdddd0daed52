# 残疾人证（残联）：残疾类别与等级（GB/T 26341-2010）。
profile disability
title 持证残疾人名单（残联）
title_en Disability certificates (disabled persons' federation)
source disabled_federation

role subject

column subject.id_number  身份证号 公民身份号码 身份证号码 证件号码
column subject.name       姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.household  户籍地址 户籍地 户籍所在地
column category           残疾类别 残疾类型
column grade              残疾等级 残疾级别
column issued             发证日期 办证日期 领证日期

require subject.name category grade

map category 视力=1 视力残疾=1 听力=2 听力残疾=2 言语=3 言语残疾=3 肢体=4 肢体残疾=4 智力=5 智力残疾=5 精神=6 精神残疾=6 多重=7 多重残疾=7
map grade 一级=1 二级=2 三级=3 四级=4 1级=1 2级=2 3级=3 4级=4
fact subject disability value={category}-{grade} from={issued}
end_missing disability
