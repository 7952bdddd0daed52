# Writes school.xlsx: the 学籍 example as Excel saves it (two sheets, one per school, a
# title row above the header, dates as serial numbers with a date style, ID numbers as
# text), and school_sheet2_bad.xlsx: the same, but the second sheet's header lacks the
# required 在校状态 column (the whole file is refused, though its first sheet is good).
# Run from this directory; the output is committed.
import zipfile
from datetime import date
from xml.sax.saxutils import escape

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(birth, seq):
    b = '500242' + birth + seq
    return b + '10X98765432'[sum(int(b[i]) * W[i] for i in range(17)) % 11]
def serial(d):
    return (date.fromisoformat(d) - date(1899, 12, 30)).days

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
head = ['学生姓名', '性别', '身份证号', '学校名称', '年级', '班级', '在校状态', '状态变动日期']
sheets = [
    ('木叶乡中心小学', [['2025年秋季学期学籍名单'], head,
      ['冉小雨', '女', idn('20150312', '022'), '木叶乡中心小学', '五年级', '2班', '在读', ('d', '2025-09-01')],
      ['冉小川', '男', idn('20170720', '011'), '木叶乡中心小学', '三年级', '1班', '在读', ('d', '2025-09-01')]]),
    ('木叶乡中学', [head,
      ['白秀英', '女', idn('20120203', '044'), '木叶乡中学', '八年级', '1班', '辍学', ('d', '2025-10-15')],
      ['石小军', '男', idn('20110611', '035'), '木叶乡中学', '九年级', '2班', '在读', ('d', '2026-13-01')]]),
]
def col(i):
    return chr(ord('A') + i)
def cell(ref, v):
    if isinstance(v, tuple):
        try:
            return '<c r="%s" s="1"><v>%d</v></c>' % (ref, serial(v[1]))
        except ValueError:  # a wrong date typed as text, as clerks do
            return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(v[1]))
    return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, escape(v))
def sheet_xml(rows):
    out = []
    for r, row in enumerate(rows, 1):
        out.append('<row r="%d">%s</row>' % (r, ''.join(cell('%s%d' % (col(i), r), v) for i, v in enumerate(row))))
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>%s</sheetData></worksheet>' % (NS, ''.join(out))
def write(path, sheets):
    parts = {
        '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        '_rels/.rels': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % R,
        'xl/workbook.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s xmlns:r="%s"><sheets>%s</sheets></workbook>' % (NS, R, ''.join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (n, i + 1, i + 1) for i, (n, _) in enumerate(sheets))),
        'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s<Relationship Id="rIdS" Type="%s/styles" Target="styles.xml"/></Relationships>' % (''.join('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, R, i + 1) for i in range(len(sheets))), R),
        'xl/styles.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet %s><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy/m/d"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176" applyNumberFormat="1"/></cellXfs></styleSheet>' % NS,
    }
    for i, (_, rows) in enumerate(sheets):
        parts['xl/worksheets/sheet%d.xml' % (i + 1)] = sheet_xml(rows)
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 11, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode('utf-8'))

write('school.xlsx', sheets)
bad_head = [h for h in head if h != '在校状态']
write('school_sheet2_bad.xlsx', [sheets[0], ('木叶乡中学', [bad_head,
      ['白秀英', '女', idn('20120203', '044'), '木叶乡中学', '八年级', '1班', ('d', '2025-10-15')]])])
