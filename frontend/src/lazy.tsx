import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n';
import type { Route } from './router';

type PageComponent = (props: { route: Route }) => preact.JSX.Element | null;

/**
 * A page whose code loads on its first visit (its own chunk: the first page's JavaScript stays
 * small). Until then the page shows "Loading…"; a chunk that fails to load (an update replaced the
 * files) asks for a reload.
 */
export function lazyPage(load: () => Promise<PageComponent>): PageComponent {
  let loaded: PageComponent | null = null;
  return function LazyPage(props: { route: Route }) {
    const [Page, setPage] = useState<PageComponent | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (Page) return undefined;
      let live = true;
      load().then((c) => { loaded = c; if (live) setPage(() => c); }).catch(() => { if (live) setFailed(true); });
      return () => { live = false; };
    }, []);
    if (failed) return <p class="error" role="alert">{t('page.failed')}</p>;
    if (!Page) return <p class="loading" aria-busy="true">{t('loading')}</p>;
    return <Page {...props} />;
  };
}

type Part = (props: any) => preact.JSX.Element | null;
/**
 * A part of a first-page page (a card) whose code and texts load with its first render, in their own
 * chunk. Nothing shows until then, nor when the chunk fails to load (the page around it still works).
 */
export function lazyPart<C extends Part>(load: () => Promise<C>): C {
  let loaded: C | null = null;
  return function LazyPart(props: Parameters<C>[0]) {
    const [Loaded, setLoaded] = useState<C | null>(() => loaded);
    useEffect(() => {
      if (Loaded) return undefined;
      let live = true;
      load().then((c) => { loaded = c; if (live) setLoaded(() => c); }).catch(() => undefined);
      return () => { live = false; };
    }, []);
    return Loaded ? <Loaded {...props} /> : null;
  } as C;
}
