import type { ComponentChildren } from 'preact';
import { href } from '../router';

/** A link to an artist, track or album page (keeps the current range when given). */
export function EntityLink({ kind, id, children, range, class: cls }: { kind: 'artist' | 'track' | 'album'; id: number | null | undefined;
  children: ComponentChildren; range?: string | undefined; class?: string }) {
  if (id === null || id === undefined) return <span class={cls}>{children}</span>;
  return <a class={`entity ${cls ?? ''}`} href={href(kind, id, { range: range && range !== 'all' ? range : null })}>{children}</a>;
}
