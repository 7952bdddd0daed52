# 离婚登记（民政）：每行一对离婚登记的男女双方。
profile divorce
title 离婚登记信息（民政）
title_en Divorce registrations (civil affairs)
source civil_affairs

role man
role woman

column man.name         男方姓名
column man.id_number    男方身份证号 男方公民身份号码 男方证件号码
column woman.name       女方姓名
column woman.id_number  女方身份证号 女方公民身份号码 女方证件号码
column date             登记日期 离婚日期 办理日期

require man.id_number woman.id_number date

fact man divorced from={date}
fact woman divorced from={date}
