# 外出务工（村、人社）：外出务工人员，及其留在家中的未成年子女。
profile migrant
title 外出务工人员名单（村委会、人社部门）
title_en Residents working away from home (village committees, human resources)
source village_committee

role subject
role child minor

column subject.id_number  身份证号 公民身份号码 身份证号码 证件号码
column subject.name       姓名 务工人员姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.household  户籍地址 户籍地 所在村 村（社区）
column subject.phone      联系电话 手机号码 电话
column child.name         子女姓名 留守子女姓名
column child.id_number    子女身份证号 子女公民身份号码
column place              务工地点 务工地 外出地点 务工省市
column from               外出时间 外出日期 离乡时间
column to                 返乡时间 返回日期 回乡日期

require subject.name

relation child parent subject
fact subject migrant_work value={place} from={from} to={to}
end_missing migrant_work
