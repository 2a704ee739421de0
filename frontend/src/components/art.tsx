import { useState } from 'preact/hooks';

const TILE_HUES = 12;
/** A stable colour index for a name (the letter tile's background). */
function hueOf(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % TILE_HUES;
}

/**
 * Cover art from Vibescope's own art endpoint, or a letter tile: when there is no art (`url` null)
 * or the image fails to load, the panel never shows a broken image.
 */
export function Art({ url, name, size = 40, class: cls = '' }: { url: string | null | undefined; name: string; size?: number; class?: string }) {
  const [failed, setFailed] = useState<string | null>(null);
  const letter = (name.trim().match(/[\p{L}\p{N}]/u)?.[0] ?? '♪').toUpperCase();
  if (!url || failed === url) {
    return <span class={`art tile hue${hueOf(name)} ${cls}`} style={{ width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.45)}px` }}
      aria-hidden="true">{letter}</span>;
  }
  return <img class={`art ${cls}`} src={url} alt="" width={size} height={size} loading="lazy" decoding="async" onError={() => setFailed(url)} />;
}
