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
  language: ['English', '中文'], no_id: ['未登记', 'none'], supersedes: ['更正自', 'corrects'],
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

// An API error in the chosen language.
export function errorText(err) {
  if (!err) return '';
  return lang && err.message_en ? err.message_en : err.message;
}

export function genderText(g) {
  return g === 'M' ? t('male') : g === 'F' ? t('female') : t('unknown');
}
