# 服刑在押、社区矫正、强制隔离戒毒人员（司法、公安），及其未成年子女。
profile custody
title 服刑在押/社区矫正/强制隔离戒毒人员及其未成年子女（司法、公安）
title_en Persons in prison, community correction or compulsory drug rehabilitation, and their children (justice, police)
source justice_office

role subject
role child minor

column subject.id_number  身份证号 公民身份号码 身份证号码 证件号码
column subject.name       姓名 服刑人员姓名 人员姓名 矫正对象姓名
column subject.gender     性别
column subject.birth_date 出生日期
column subject.household  户籍地址 户籍地 户籍所在地
column child.name         子女姓名 未成年子女姓名
column child.id_number    子女身份证号 子女公民身份号码 子女证件号码
column child.gender       子女性别
column child.birth_date   子女出生日期
column kind               类别 人员类别 羁押类别 措施类别
column place              服刑场所 羁押场所 执行场所 矫正单位 戒毒所
column from               起始日期 入监日期 入所日期 矫正起始日期 开始日期
column to                 终止日期 刑满日期 预计释放日期 矫正终止日期 解除日期

require subject.name kind

map kind 服刑=imprisoned 在押=imprisoned 服刑在押=imprisoned 监狱服刑=imprisoned 看守所羁押=imprisoned 社区矫正=community_correction 强制隔离戒毒=compulsory_detox 强戒=compulsory_detox
relation child parent subject
fact subject {kind} value={place} from={from} to={to}
end_missing imprisoned community_correction compulsory_detox
