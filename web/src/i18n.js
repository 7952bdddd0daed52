// i18n.js -- every UI string in Chinese (the default) and English; the choice is remembered.
const dict = {
  app: ['未保 · 未成年人保护工作平台', 'weibao · minor protection'],
  login: ['登录', 'Log in'], username: ['用户名', 'User name'], password: ['密码', 'Password'],
  logout: ['退出', 'Log out'], change_password: ['修改密码', 'Change password'],
  old_password: ['原密码', 'Current password'], new_password: ['新密码（至少10个字符）', 'New password (10+ characters)'],
  save: ['保存', 'Save'], cancel: ['取消', 'Cancel'], saved: ['已保存', 'Saved'],
  persons: ['人员', 'Persons'], minors: ['未成年人', 'Minors'], everyone: ['全部人员', 'Everyone'],
  only_minors: ['只看未成年人', 'Minors only'], search: ['搜索姓名或身份证号', 'Search name or ID number'],
  load_more: ['加载更多', 'Load more'], no_persons: ['没有符合条件的人员', 'No persons found'],
  new_person: ['新增人员', 'New person'], children: ['下级区划', 'Subdivisions'],
  name: ['姓名', 'Name'], gender: ['性别', 'Gender'], birth_date: ['出生日期', 'Birth date'],
  age: ['年龄', 'Age'], id_number: ['身份证号', 'ID number'], ethnicity: ['民族', 'Ethnicity'],
  household_region: ['户籍地', 'Household registration'], residence_region: ['居住地', 'Residence'],
  school: ['学校', 'School'], phone: ['电话', 'Phone'], version: ['版本', 'Version'],
  male: ['男', 'male'], female: ['女', 'female'], unknown: ['未知', 'unknown'],
  reveal: ['查看完整身份证号', 'Show full ID number'], purpose: ['查看用途（将记入审计日志）', 'Purpose (recorded in the audit log)'],
  family: ['家庭成员与关系', 'Family and relations'], guardian: ['监护人', 'guardian'], lives_with: ['共同居住', 'lives with'],
  facts: ['事实记录', 'Facts'], add_fact: ['记录事实', 'Record a fact'], correct: ['更正', 'Correct'],
  corrected: ['已更正', 'corrected'], current: ['有效', 'current'], fact_type: ['类型', 'Type'],
  value: ['内容', 'Value'], valid_from: ['起始日期', 'From'], valid_to: ['截止日期', 'To'],
  source_unit: ['来源单位', 'Source unit'], source_doc: ['来源文件', 'Source document'], note: ['备注', 'Note'],
  recorded: ['记录', 'Recorded'], edit: ['修改信息', 'Edit'], relation: ['关系', 'Relation'],
  related_person: ['关联人员编号', 'Related person id'], create: ['创建', 'Create'],
  optional_relation: ['与已有人员的关系（可选）', 'Relation to an existing person (optional)'],
  none: ['无', 'none'], years: ['岁', 'y'], loading: ['加载中…', 'Loading…'],
  persons_count: ['人员', 'persons'], minors_count: ['未成年人', 'minors'], back: ['返回', 'Back'],
  in_scope_only: ['（仅显示您管辖范围内的数据）', '(only data within your area is shown)'],
  // navigation
  nav_import: ['导入名单', 'Import'], nav_imports: ['导入记录', 'Imports'], nav_reviews: ['待核查', 'Review queue'],
  // import page
  import_title: ['导入部门名单', 'Import a department extract'],
  import_hint: ['先预检（不写入任何数据），确认无误后再导入。', 'Run the dry run first (nothing is stored), then import.'],
  profile: ['名单类型（导入模板）', 'Kind of extract (profile)'], choose: ['请选择', 'Choose'],
  columns_needed: ['可识别的列（*为必填）', 'Columns recognised (* required)'],
  import_region: ['名单所属地区', 'Region the extract covers'],
  extract_date: ['名单日期', 'Extract date'], source_unit_opt: ['来源单位（可选）', 'Source unit (optional)'],
  file: ['名单文件（CSV 或 XLSX）', 'File (CSV or XLSX)'],
  dry_run: ['预检', 'Dry run'], confirm_import: ['确认导入', 'Import now'],
  checking: ['正在预检…', 'Checking…'], importing: ['正在导入…', 'Importing…'],
  dry_run_result: ['预检结果（尚未写入）', 'Dry run (nothing stored yet)'],
  import_result: ['导入结果', 'Import result'], import_done: ['导入完成', 'Import finished'],
  rows: ['数据行', 'rows'], cnt_created: ['新建人员', 'new persons'], cnt_updated: ['更新人员', 'persons updated'],
  cnt_linked: ['关联已有人员', 'linked to stored persons'], cnt_unchanged: ['无变化', 'unchanged'],
  cnt_facts_added: ['新增事实', 'facts added'], cnt_facts_replaced: ['更新事实', 'facts replaced'],
  cnt_facts_ended: ['终止事实', 'facts ended'], cnt_relations_added: ['新增关系', 'relations added'],
  cnt_review: ['待人工核查', 'to review'], cnt_rejected: ['退回', 'rejected'],
  reject_reasons: ['退回原因', 'Reasons for rejection'], row_n: ['第', 'row '], row_suffix: ['行', ''],
  download_rejects: ['下载退回行（可修改后重新导入）', 'Download rejected rows (fix and import again)'],
  go_reviews: ['去处理待核查记录', 'Open the review queue'], import_another: ['再导入一个文件', 'Import another file'],
  resumed: ['（续导：接上次中断处继续）', '(resumed after an interruption)'],
  file_required: ['请选择名单类型和文件', 'Choose the kind of extract and a file'],
  file_empty: ['所选文件是空的（0 字节），请重新导出名单', 'The chosen file is empty (0 bytes): export the list again'],
  job_queued: ['排队等待中…', 'Waiting in the queue…'],
  import_persons: ['本次导入涉及的人员', 'Persons of this import'],
  score_hint: ['匹配得分是各项比对（姓名、出生日期、性别、地区）的证据之和：越高越可能是同一人。高于自动关联线的已自动关联，低于核查线的作为新人员，介于两者之间的在此由您判断。',
    'The match score adds up the evidence of each comparison (name, birth date, gender, region): the higher, the likelier the same person. Above the automatic threshold rows are linked by themselves, below the review threshold they become new persons; those in between wait here for you.'],
  columns_read: ['已识别的列', 'Columns read'], columns_ignored: ['未使用的列', 'Columns not read'],
  columns_warning: ['文件中有列未被所选名单类型使用。如果这些列是重要信息，请确认名单类型是否选对。',
    'Some columns of the file are not read by the chosen kind of extract. If they matter, check that you chose the right kind.'],
  // imports list
  imports_title: ['导入记录', 'Imports'], no_imports: ['还没有导入记录', 'No imports yet'],
  st_running: ['进行中', 'running'], st_done: ['已完成', 'done'], st_failed: ['失败', 'failed'], st_undone: ['已撤销', 'undone'],
  undo: ['撤销', 'Undo'], undo_confirm: ['确认撤销该次导入？导入的事实将被撤回，新建且无其他关联的人员将被删除。',
    'Undo this import? Its facts are retracted and the persons it created are removed unless something else refers to them.'],
  undone_ok: ['已撤销', 'Undone'], by: ['导入人', 'by'], rejects_file: ['退回行', 'rejected rows'],
  // reviews
  reviews_title: ['待核查的疑似匹配', 'Doubtful matches to review'],
  reviews_hint: ['这些行没有可用的身份证号，与库中人员相似但不能确定。请逐条比对后处理。',
    'These rows have no usable ID number and resemble stored persons without certainty. Compare and decide each.'],
  open_reviews: ['待处理', 'Open'], decided_reviews: ['已处理', 'Decided'], no_reviews: ['没有待核查的记录', 'Nothing to review'],
  candidates_n: ['个候选', ' candidates'], from_file: ['来自', 'from'],
  review_title: ['比对与处理', 'Compare and decide'], imported_record: ['导入的记录', 'Imported record'],
  candidate: ['候选人员：', 'Candidate: '], score: ['匹配得分', 'Score'], region: ['地区', 'Region'],
  original_row: ['原始行', 'Row as read'], link_to: ['关联到此人', 'Link to this person'],
  create_new: ['新建人员', 'Create a new person'], dismiss: ['不予处理', 'Dismiss'],
  dismiss_reason: ['不予处理的理由', 'Why it is dismissed'], confirm: ['确认', 'Confirm'],
  decided_linked: ['已关联到', 'Linked to'], decided_created: ['已新建人员', 'Created'],
  decided_dismissed: ['已不予处理', 'Dismissed'], hidden_candidates: ['个候选人员不在您的管辖范围内，未显示', 'candidates outside your area are not shown'],
  back_to_queue: ['返回待核查列表', 'Back to the queue'], decided_by: ['处理人', 'decided by'],
  st_open: ['待处理', 'open'], st_linked: ['已关联', 'linked'], st_created: ['已新建', 'created'], st_dismissed: ['不予处理', 'dismissed'],
  lv_exact: ['一致', 'same'], lv_pinyin: ['同音字', 'same sound'], lv_edit1: ['一字之差', 'one character off'],
  lv_surname: ['仅姓相同', 'surname only'], lv_else: ['不同', 'different'], lv_missing: ['缺失', 'missing'],
  lv_swap: ['日月颠倒', 'day and month swapped'], lv_off1: ['相差一天', 'one day off'], lv_year_month: ['同年同月', 'same month'],
  lv_year: ['同年', 'same year'], lv_equal: ['一致', 'same'], lv_differ: ['不同', 'different'],
  lv_village: ['同村', 'same village'], lv_township: ['同乡镇', 'same township'], lv_county: ['同区县', 'same county'],
  // register export
  export_title: ['导出台账', 'Export the register'], export_xlsx: ['导出 Excel', 'Excel (XLSX)'], export_csv: ['导出 CSV', 'CSV'],
  export_full: ['含完整身份证号导出…', 'With full ID numbers…'],
  export_purpose: ['导出用途（将记入审计日志，至少4个字）', 'Purpose (recorded in the audit log, 4+ characters)'],
  export_masked_note: ['身份证号和电话默认脱敏。', 'ID and phone numbers are masked.'],
  // screening (筛查): levels, the profile panel
  level_red: ['红', 'Red'], level_orange: ['橙', 'Orange'], level_yellow: ['黄', 'Yellow'], level_blue: ['蓝', 'Blue'],
  level_none: ['未分级', 'None'],
  screening_result: ['筛查结果', 'Screening result'], as_of: ['评估日期', 'as of'], rule_version: ['规则版本', 'rule version'],
  risk_level: ['风险等级', 'risk level'], level_adjusted: ['风险等级（已人工调整）', 'risk level (adjusted)'],
  computed_level: ['系统评定', 'Computed'], computed_then: ['（调整时为', '(when adjusted: '], computed_then_end: ['）', ')'], override_reason: ['调整理由', 'Reason'], expires_on: ['有效期至', 'Expires on'],
  risk_score: ['风险评分', 'Risk score'], guardianship_rating: ['监护情况', 'Guardianship'],
  adjust_level: ['调整风险等级', 'Adjust the level'], clear_override: ['撤销调整', 'Undo the adjustment'],
  new_level: ['调整为', 'New level'], hard_trigger: ['直接判定为红色的情形', 'Hard trigger (forces red)'],
  categories: ['所属类别', 'Categories'], no_categories: ['未列入任何重点类别', 'In no category'],
  ms_suggested: ['待确认', 'to confirm'], ms_confirmed: ['已确认', 'confirmed'], ms_rejected: ['已排除', 'rejected'],
  ms_confirm: ['确认', 'Confirm'], ms_reject: ['排除', 'Reject'], since: ['列入时间', 'since'],
  reject_reason: ['排除理由', 'Reason for rejecting'], basis: ['依据', 'Basis'], self: ['本人', 'the child'],
  fact_n: ['事实 #', 'fact #'], fact_hidden: ['（无权查看或已不在您的管辖范围内）', ' (not visible to you)'],
  no_explanation: ['您的角色无权查看判定依据的详细内容。', 'Your role may not see the reasons in detail.'],
  guardianship_reasons: ['监护情况依据', 'Why this guardianship rating'], score_items: ['评分项目', 'Score items'],
  explanation_truncated: ['（依据过多，仅显示部分）', '(only part of the reasons is shown)'],
  screening_history: ['筛查历史', 'Screening history'], level_over_time: ['风险等级变化', 'Level over time'],
  ev_gained: ['列入：', 'Gained: '], ev_lost: ['移出：', 'Lost: '], ev_raised: ['风险等级升高', 'Level raised'],
  ev_lowered: ['风险等级降低', 'Level lowered'], decided_confirm: ['确认类别', 'Confirmed'], decided_reject: ['排除类别', 'Rejected'],
  not_flagged: ['未列入重点关注，无风险等级。', 'Not flagged: no category, no risk level.'],
  only_changed: ['只显示有变化的乡镇', 'Only townships that change'], run_now: ['立即重新筛查', 'Re-screen now'],
  // registers (筛查台账)
  nav_registers: ['筛查台账', 'Registers'], nav_rules: ['规则', 'Rules'],
  registers_title: ['筛查台账', 'Screening registers'], category: ['类别', 'Category'],
  all_flagged: ['全部重点关注儿童', 'All flagged children'], min_level: ['风险等级', 'Risk level'],
  any_level: ['不限', 'any'], and_above: ['及以上', ' and above'], persons_unit: ['人', 'persons'],
  other_levels: ['其他等级', 'other levels'], by_category: ['各类别人数', 'By category'],
  register_children: ['名单', 'Children'], export_region_xlsx: ['导出本地区台账（Excel）', 'Export the region (Excel)'],
  export_region_note: ['导出本地区全部人员台账（身份证号脱敏）。', 'The register of every person of the region (IDs masked).'],
  export_shown_xlsx: ['导出此名单（Excel）', 'Export this list (Excel)'],
  export_shown_note: ['按当前地区、类别和风险等级导出台账（身份证号脱敏）。', 'The register of the children shown: this region, category and level (IDs masked).'],
  // rule sets (规则)
  rules_title: ['筛查规则', 'Screening rules'], new_version: ['新建版本', 'New version'],
  rules_hint: ['规则修改后须先校验和影响预览，发布后将按新版本重新筛查全部人员。',
    'Validate and preview a change first; publishing re-screens everyone with the new version.'],
  rs_draft: ['草稿', 'draft'], rs_published: ['生效中', 'in force'], rs_retired: ['已停用', 'retired'],
  published_at: ['发布于', 'published'], new_from_this: ['以此为底稿新建', 'New version from this'],
  publish: ['发布', 'Publish'], rules_in_version: ['本版本的规则', 'Rules of this version'], line_n: ['第', 'line '],
  publish_confirm: ['发布后，此版本立即生效，系统将按新规则重新筛查全部人员，各类别和风险等级的变化将记入历史。确认发布？',
    'Once published this version is in force and everyone is screened again; each change is kept in the history. Publish?'],
  screen_status: ['重新筛查', 'Re-screening'], in_force: ['生效版本', 'in force'],
  screening_running: ['正在筛查', 'Screening'], screening_queued: ['等待开始重新筛查…', 'Waiting for the re-screen…'],
  screening_done: ['重新筛查完成。', 'Re-screen finished.'], last_screen: ['最近一次', 'Last run'],
  flagged: ['重点关注', 'flagged'], events: ['变化', 'changes'], total: ['合计', 'Total'],
  preview_title: ['影响预览', 'Impact preview'], preview_from: ['与现行', 'compared with'],
  preview_nochange: ['按此规则，没有儿童的类别或风险等级会发生变化。', 'No child would change category or level.'],
  township: ['乡镇', 'Township'], flagged_before_after: ['重点关注（前→后）', 'Flagged (before → after)'],
  raised: ['升级', 'Raised'], lowered: ['降级', 'Lowered'], new_label_default: ['县级规则', 'County rules'],
  rs_label: ['版本名称', 'Label'], rs_note: ['修改说明', 'What changed'],
  validate: ['校验', 'Validate'], validate_ok: ['校验通过', 'Valid'], rules_n: ['条规则', 'rules'], categories_n: ['个类别', 'categories'],
  preview: ['影响预览', 'Preview the impact'], previewing: ['正在计算…', 'Computing…'],
  save_draft: ['保存为草稿', 'Save as draft'], saved_as: ['已保存为', 'Saved as'], open: ['查看', 'open'],
  based_on: ['底稿：', 'Based on'],
  language: ['English', '中文'], no_id: ['未登记', 'none'], sources: ['信息来源（导入记录）', 'Where the data came from (imports)'], import_n: ['导入#', 'import #'], extract_of: ['名单日期', 'extract of'], imported_on: ['导入于', 'imported'], source_hidden: ['来自一次导入（该导入不在您的查看范围内）', 'From an import that is not yours to see'], no_sources: ['这些信息不是导入的（手工录入或演示数据）。', 'None of this came from an import (entered by hand, or demo data).'],
  supersedes: ['更正自', 'corrects'],
};

let lang = localStorage.getItem('wb-lang') === 'en' ? 1 : 0;

export function t(key) {
  const e = dict[key];
  return e ? e[lang] : key;
}

export function isEnglish() {
  return lang === 1;
}

export function toggleLanguage() {
  lang = 1 - lang;
  localStorage.setItem('wb-lang', lang ? 'en' : 'zh');
  document.documentElement.lang = lang ? 'en' : 'zh-CN';
}

// Punctuation inside composed strings: full-width in Chinese, ASCII in English.
export function colon() {
  return lang ? ': ' : '：';
}
export function comma() {
  return lang ? ', ' : '，';
}

// An API error in the chosen language.
export function errorText(err) {
  if (!err) return '';
  return lang && err.message_en ? err.message_en : err.message;
}

// A stored UTC time ("2026-12-01T19:53:30Z") as the reader's local time.
export function localTime(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return iso || '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// "3 个候选人" / "1 candidate", "3 candidates".
export function candidatesText(n) {
  return lang ? `${n} candidate${n === 1 ? '' : 's'}` : `${n} 个候选人`;
}

export function genderText(g) {
  return g === 'M' ? t('male') : g === 'F' ? t('female') : t('unknown');
}

// A status word of an import, a review or a job.
export function statusText(s) {
  const k = 'st_' + s;
  return t(k) === k ? s : t(k);
}
