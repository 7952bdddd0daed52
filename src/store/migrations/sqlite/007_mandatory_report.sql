-- 007 the mandatory-report situations (强制报告情形) as a fact type, so that the screening
-- rules can force 红 for each of them (RULES.md §3, §4). Values: the nine situations of
-- 关于建立侵害未成年人案件强制报告制度的意见（试行）第四条, numbered as there:
--   1 生殖器官或隐私部位遭受或疑似遭受非正常损伤  2 不满14周岁女性遭受或疑似遭受性侵害、怀孕、流产
--   3 14周岁以上女性遭受或疑似遭受性侵害所致怀孕、流产  4 身体存在多处损伤、严重营养不良、意识不清，
--   存在或疑似存在受到家庭暴力、欺凌、虐待、殴打或被人麻醉等情形  5 因自杀、自残、工伤、中毒、被人麻醉、
--   殴打等非正常原因导致伤残、死亡  6 被遗弃或长期处于无人照料状态  7 来源不明、失踪或被拐卖、收买
--   8 被组织乞讨  9 其他严重侵害未成年人身心健康的情形或未成年人正在面临不法侵害危险
-- and 10 for a local addition (e.g. Guizhou: leads from the 12349 hotline).
INSERT INTO fact_types (code, name, name_en, value_kind, value_enum, sensitive) VALUES
 ('mandatory_report', '强制报告情形（强制报告意见第四条）',
  'mandatory-report situation (2020 opinion art. 4)', 'enum', '1|2|3|4|5|6|7|8|9|10', 1);
