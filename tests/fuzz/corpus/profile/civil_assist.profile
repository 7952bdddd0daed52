# 民政救助保障：低保、特困供养、孤儿、事实无人抚养儿童。
profile civil_assist
title 低保/特困/孤儿/事实无人抚养儿童保障名单（民政）
title_en Social assistance: dibao, extreme poverty, orphans, de facto unsupported children (civil affairs)
source civil_affairs_office

role subject

column subject.id_number  身份证号 公民身份号码 身份证号码 证件号码 保障对象身份证号
column subject.name       姓名 保障对象姓名 儿童姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.household  户籍地址 户籍所在地 家庭住址 所在村（社区）
column kind               保障类别 救助类别 类别 保障类型 人员类别
column from               起始日期 保障起始日期 享受起始日期 纳入时间 批准日期
column to                 终止日期 保障终止日期 停保日期
column amount             月保障金额 保障金额 月发放金额

require subject.name kind

map kind 低保=low_income 城乡低保=low_income 农村低保=low_income 城市低保=low_income 最低生活保障=low_income 特困=extreme_poverty 特困供养=extreme_poverty 特困人员=extreme_poverty 孤儿=orphan_allowance 事实无人抚养=unsupported_allowance 事实无人抚养儿童=unsupported_allowance
fact subject {kind} value={amount} from={from} to={to}
end_missing low_income extreme_poverty orphan_allowance unsupported_allowance
