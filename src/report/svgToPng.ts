/**
 * SVG → PNG with resvg (an optional dependency that ships prebuilt binaries in the npm
 * registry), so the charts can go where SVG cannot (slides, papers, chat).
 */
import { createRequire } from 'node:module';

export class PngUnavailableError extends Error {
  override readonly name = 'PngUnavailableError';
}

interface ResvgCtor {
  new (svg: string, opts: object): { render(): { asPng(): Uint8Array } };
}

/** The renderer; throws PngUnavailableError (saying what to do) when the optional package is not installed. */
export function loadResvg(): ResvgCtor {
  try {
    return (createRequire(import.meta.url)('@resvg/resvg-js') as { Resvg: ResvgCtor }).Resvg;
  } catch (e) {
    throw new PngUnavailableError(
      `PNG output needs the optional package @resvg/resvg-js (npm install @resvg/resvg-js), or pass --no-png ` +
        `for SVG only: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

export function svgToPng(svg: string, scale = 2): Uint8Array {
  const Resvg = loadResvg();
  return new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
}
