import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import PDFDocument from 'pdfkit';
import { type FontFile, fallbackFontFiles, PdfFonts, primaryFontFiles, type Run } from './pdf-fonts';

function candidate(list: readonly FontFile[], name: string): FontFile {
  const file = list.find((entry) => entry.path.includes(name));
  assert.ok(file, name);
  return file;
}

const dejaVu = candidate(primaryFontFiles, 'DejaVuSans.ttf');
const droid = candidate(fallbackFontFiles, 'DroidSansFallbackFull');
const microHei = candidate(fallbackFontFiles, 'wqy-microhei');

/** Runs outside CI when a font is missing; CI installs them (`.ci/run`), so there it fails instead. */
function needs(...files: FontFile[]): { skip: string | false } {
  const missing = files.filter((file) => !existsSync(file.path)).map((file) => file.path);
  return { skip: missing.length && !process.env.CI ? `not installed: ${missing.join(', ')}` : false };
}

const shown = (runs: readonly Run[]) => runs.map((run) => [run.face.name, run.text]);

describe('PDF fonts', () => {
  test(
    'text goes to the table font, else whole to the first fallback that has it all, else in runs',
    needs(dejaVu, droid, microHei),
    () => {
      const fonts = new PdfFonts(new PDFDocument({ autoFirstPage: false }), {
        primary: dejaVu,
        fallbacks: [droid, microHei],
      });
      assert.deepEqual(shown(fonts.runs('Zoë Smith')), [['table', 'Zoë Smith']]);
      assert.deepEqual(shown(fonts.runs('美咲')), [['fallback-1', '美咲']]);
      assert.deepEqual(shown(fonts.runs('株式会社サクラ')), [['fallback-1', '株式会社サクラ']]);
      // Droid Sans Fallback has 3 of the 11,172 Hangul syllables and no Latin letters.
      assert.deepEqual(shown(fonts.runs('김민준')), [['fallback-2', '김민준']]);
      assert.deepEqual(shown(fonts.runs('Filter: 美咲')), [['fallback-2', 'Filter: 美咲']]);
      assert.deepEqual(shown(fonts.runs(`a${String.fromCodePoint(0x10ffff)}b`)), [['table', 'a\uFFFDb']]);

      const droidOnly = new PdfFonts(new PDFDocument({ autoFirstPage: false }), {
        primary: dejaVu,
        fallbacks: [droid],
      });
      assert.deepEqual(shown(droidOnly.runs('Łódź 美咲 🙂')), [
        ['table', 'Łódź '],
        ['fallback-1', '美咲 '],
        ['table', '\uFFFD'],
      ]);
    },
  );

  test('a fallback pdfkit cannot open is passed over', needs(dejaVu, droid, microHei), () => {
    const fonts = new PdfFonts(new PDFDocument({ autoFirstPage: false }), {
      primary: dejaVu,
      fallbacks: [
        { path: microHei.path, postscriptName: 'NoSuchFace' },
        { path: fileURLToPath(import.meta.url) },
        droid,
      ],
    });
    assert.deepEqual(shown(fonts.runs('美咲')), [['fallback-3', '美咲']]);
  });

  test(
    'a text written sharing layouts is laid out once instead of three times, and nothing is kept',
    needs(dejaVu),
    () => {
      const doc = new PDFDocument({ fontLayoutCache: false });
      const fonts = new PdfFonts(doc, { primary: dejaVu, fallbacks: [] });
      // pdfkit's font object and its fontkit font, which pdfkit does not type.
      const font = (
        doc as unknown as { _font: { layoutCache?: object; font: { layout(...args: unknown[]): unknown } } }
      )._font;
      const layout = font.font.layout.bind(font.font);
      let layouts = 0;
      font.font.layout = (...args) => {
        layouts++;
        return layout(...args);
      };
      doc.text('Wolfeschlegelsteinhausenbergerdorff', 40, 40, { lineBreak: false });
      assert.equal(layouts, 3);
      layouts = 0;
      fonts.primary.sharingLayouts(() =>
        doc.text('Wolfeschlegelsteinhausenbergerdorff', 40, 60, { lineBreak: false }),
      );
      assert.equal(layouts, 1);
      assert.equal(font.layoutCache, undefined, 'the document keeps no layout cache');
    },
  );

  test('without any font file: Helvetica, and ? for what WinAnsi cannot encode', () => {
    const fonts = new PdfFonts(new PDFDocument({ autoFirstPage: false }), { fallbacks: [] });
    assert.deepEqual(shown(fonts.runs('Zoë 美咲 € Œuvre — Łódź')), [['table', 'Zoë ?? € Œuvre — ?ód?']]);
  });

  test(
    'fitted text stays inside its width, as pdfkit itself measures it (kerning and all)',
    needs(dejaVu, droid, microHei),
    () => {
      const doc = new PDFDocument({ autoFirstPage: false, fontLayoutCache: false });
      const fonts = new PdfFonts(doc, { primary: dejaVu, fallbacks: [droid, microHei] });
      const pool = Array.from(
        'AVATToWaYoLTPyfiflffi«Æ abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,@-_\'"&()' +
          'ÀÉÖÜßéèëçñøåłğışœŁŻ—…ΔΩωЖж美咲太郎山田株式会社サクラ김민준',
      );
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x7fffffff;
      };
      const size = 7;
      let cut = 0;
      for (let sample = 0; sample < 500; sample++) {
        let text = '';
        for (let length = 1 + Math.floor(random() * 60); length > 0; length--)
          text += pool[Math.floor(random() * pool.length)];
        const width = 20 + random() * 150;
        const runs = fonts.fit(text, width, size);
        const exact = runs.reduce(
          (sum, run) => sum + doc.font(run.face.name).fontSize(size).widthOfString(run.text),
          0,
        );
        assert.ok(exact <= width, `${JSON.stringify(text)} fitted to ${width}: ${exact}`);
        const written = runs.map((run) => run.text).join('');
        if (written === text) continue;
        cut++;
        assert.ok(written.endsWith('…'), written);
        assert.ok(
          text.startsWith(written.slice(0, -1)),
          `${JSON.stringify(written)} begins ${JSON.stringify(text)}`,
        );
      }
      assert.ok(cut > 100 && cut < 450, `both cut and whole texts were tried (${cut} cut)`);

      // The tightest case: a cell exactly as wide as the text's advance widths, the text's one kerning pair
      // widening it (DejaVu Sans kerns «Æ apart by 0.07 em).
      for (const text of ['«Æ', 'Zoë «Æ']) {
        const width = fonts.runs(text).reduce((sum, run) => sum + run.face.widthOf(run.text, size), 0);
        const runs = fonts.fit(text, width, size);
        const exact = runs.reduce(
          (sum, run) => sum + doc.font(run.face.name).fontSize(size).widthOfString(run.text),
          0,
        );
        assert.ok(exact <= width, `${JSON.stringify(text)} fitted to ${width}: ${exact}`);
      }
    },
  );
});
