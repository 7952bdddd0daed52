# Generates tests/data/table/gbk.csv and sample.xlsx (kept here for reference; the files are committed).
import zipfile
csv = ('姓名,性别,身份证号,出生日期,监护人,备注\r\n'
       '张小明,男,500242201501010012,2015-01-01,张大山,"父母外出务工，""留守"""\r\n'
       '李红,女,500242201203150026,2012-03-15,李桂芬,"多行\n备注"\r\n')
open('gbk.csv', 'wb').write(csv.encode('gbk'))
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
parts = {
 '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
 '_rels/.rels': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % R,
 'xl/workbook.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s xmlns:r="%s"><workbookPr/><sheets><sheet name="名单" sheetId="1" r:id="rId1"/><sheet name="说明" sheetId="2" r:id="rId2"/></sheets></workbook>' % (NS, R),
 'xl/_rels/workbook.xml.rels': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="%s/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="%s/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId4" Type="%s/styles" Target="styles.xml"/></Relationships>' % (R, R, R, R),
 'xl/sharedStrings.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s><si><t>姓名</t></si><si><t>性别</t></si><si><t>身份证号</t></si><si><t>出生日期</t></si><si><t>电话</t></si><si><t>张小明</t></si><si><t>男</t></si><si><t>500242201501010012</t></si><si><t>李红</t></si><si><t>女</t></si><si><t>说明</t></si><si><t>第二个工作表</t></si></sst>' % NS,
 'xl/styles.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet %s><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>' % NS,
 'xl/worksheets/sheet1.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>'
   '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>'
   '<row r="2"><c r="A2" t="s"><v>5</v></c><c r="B2" t="s"><v>6</v></c><c r="C2" t="s"><v>7</v></c><c r="D2" s="1"><v>42005</v></c><c r="E2"><v>13800138000</v></c></row>'
   '<row r="3"><c r="A3" t="s"><v>8</v></c><c r="B3" t="s"><v>9</v></c><c r="C3"><v>5.0024220120315002E+17</v></c><c r="D3" s="1"><v>40983</v></c><c r="E3" s="1"/></row>'
   '</sheetData></worksheet>' % NS,
 'xl/worksheets/sheet2.xml': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData><row r="1"><c r="A1" t="s"><v>10</v></c></row><row r="3"><c r="B3" t="s"><v>11</v></c></row></sheetData></worksheet>' % NS,
}
with zipfile.ZipFile('sample.xlsx', 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text.encode('utf-8'))
