# 心理健康筛查（卫健、学校）：筛查结果按红/橙/黄/绿分级。
profile psych
title 学生心理健康筛查结果（卫健、学校）
title_en Psychological screening results (health, schools)
source health_center

role subject minor

column subject.id_number  身份证号 公民身份号码 学生身份证号 证件号码
column subject.name       姓名 学生姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.school     学校 学校名称 就读学校
column result             筛查结果 预警等级 风险等级 结果
column date               筛查日期 测评日期 日期

require subject.name result

map result 红=红 红色=红 高风险=红 一级预警=红 橙=橙 橙色=橙 二级预警=橙 黄=黄 黄色=黄 三级预警=黄 关注=黄 绿=绿 绿色=绿 正常=绿 无异常=绿
fact subject psych_screening value={result} from={date}
