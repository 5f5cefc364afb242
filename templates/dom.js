// Building and updating the page without a framework.
//
// h() creates elements from plain values; text always goes in as text nodes, never as HTML, so
// whatever the API returns (log lines, messages, annotations) cannot inject markup.
// morph() updates a live subtree to match a freshly built one while keeping the existing
// elements, so a view can re-render every poll without losing focus, selection or scroll
// position. Elements with data-key are matched by key (rows of a table), others by position.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setProp(el, key, value) {
  if (value === undefined || value === null || value === false) return;
  if (key.startsWith('on') && typeof value === 'function') {
    const type = key.slice(2).toLowerCase();
    el.__handlers ??= {};
    el.__handlers[type] = value;
    el.addEventListener(type, value);
  } else if (key === 'style' && typeof value === 'object') {
    // CSSOM rather than a style attribute: allowed under a strict Content-Security-Policy.
    Object.assign(el.style, value);
  } else if (key === 'testid') {
    el.setAttribute('data-testid', value);
  } else if (key === 'class' && Array.isArray(value)) {
    el.setAttribute('class', value.filter(Boolean).join(' '));
  } else if (key === 'key') {
    el.setAttribute('data-key', String(value));
  } else {
    el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

// h('button', {class: 'btn', onClick: fn, testid: 'x'}, 'Label')
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) setProp(el, key, value);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) setProp(el, key, value);
  append(el, children);
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function keyOf(node) {
  return node.nodeType === Node.ELEMENT_NODE ? node.getAttribute('data-key') : null;
}

function sameKind(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (a.nodeName === 'INPUT') return a.type === b.type;
  return true;
}

function patchAttributes(live, next) {
  for (const { name } of [...live.attributes]) {
    // The user opens and closes <details>; a re-render must not undo that.
    if (name === 'open' && live.nodeName === 'DETAILS') continue;
    if (name === 'style') continue;
    if (!next.hasAttribute(name)) live.removeAttribute(name);
  }
  for (const { name, value } of [...next.attributes]) {
    if (name === 'style') continue;
    if (live.getAttribute(name) !== value) live.setAttribute(name, value);
  }
  if (live.style && next.style && live.style.cssText !== next.style.cssText) {
    live.style.cssText = next.style.cssText;
  }
  const oldHandlers = live.__handlers ?? {};
  const newHandlers = next.__handlers ?? {};
  for (const [type, fn] of Object.entries(oldHandlers)) live.removeEventListener(type, fn);
  for (const [type, fn] of Object.entries(newHandlers)) live.addEventListener(type, fn);
  live.__handlers = newHandlers;
}

function patchNode(live, next) {
  if (live.nodeType !== Node.ELEMENT_NODE) {
    if (live.nodeValue !== next.nodeValue) live.nodeValue = next.nodeValue;
    return;
  }
  patchAttributes(live, next);
  // A subtree managed by its own code (a log that grows line by line) is left alone.
  if (live.hasAttribute('data-morph-skip')) return;
  morphChildren(live, next);
}

// Makes live's children look like next's children; next is consumed.
export function morphChildren(live, next) {
  const keyed = new Map();
  for (const node of live.childNodes) {
    const key = keyOf(node);
    if (key !== null) keyed.set(key, node);
  }
  const wanted = [...next.childNodes];
  let index = 0;
  for (const node of wanted) {
    const key = keyOf(node);
    const current = live.childNodes[index] ?? null;
    let match = null;
    if (key !== null) {
      const candidate = keyed.get(key);
      if (candidate && sameKind(candidate, node)) match = candidate;
      keyed.delete(key);
    } else if (current && keyOf(current) === null && sameKind(current, node)) {
      match = current;
    }
    if (match) {
      patchNode(match, node);
      if (match !== current) live.insertBefore(match, current);
    } else {
      live.insertBefore(node, current);
    }
    index += 1;
  }
  while (live.childNodes.length > index) live.lastChild.remove();
}

// Replaces the content of `live` with `children`, reusing existing elements.
export function morph(live, ...children) {
  const next = document.createElement(live.nodeName);
  append(next, children);
  morphChildren(live, next);
  return live;
}

// Small line icons (16 px, currentColor). Always decorative: a word next to them says the same.
const ICONS = {
  ok: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M5 8.3l2 2 4-4.3' }]],
  bad: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M5.6 5.6l4.8 4.8M10.4 5.6l-4.8 4.8' }]],
  warn: [['path', { d: 'M8 1.8L15 14H1z' }], ['path', { d: 'M8 6.2v3.6M8 11.6v.4' }]],
  info: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M8 7.2v4M8 4.8v.4' }]],
  run: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M6.5 5.3v5.4L11 8z', fill: 'currentColor' }]],
  idle: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M5.5 8h5' }]],
  clock: [['circle', { cx: 8, cy: 8, r: 6.5 }], ['path', { d: 'M8 4.5V8l2.5 1.5' }]],
  stop: [['rect', { x: 3.5, y: 3.5, width: 9, height: 9, rx: 1.5 }]],
  play: [['path', { d: 'M4.5 3v10L13 8z' }]],
  restart: [['path', { d: 'M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.5h-2.5' }]],
  trash: [['path', { d: 'M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9' }]],
  down: [['path', { d: 'M8 2.5v9M4 8l4 4 4-4' }]],
  out: [['path', { d: 'M6 2.5H3v11h3M10.5 5L13.5 8l-3 3M13.5 8H6' }]],
  backup: [['path', { d: 'M8 10.5V3M5 6l3-3 3 3M2.5 10v3.5h11V10' }]],
  close: [['path', { d: 'M4 4l8 8M12 4l-8 8' }]],
};

export function icon(name, extraClass) {
  const parts = ICONS[name] ?? ICONS.info;
  return s(
    'svg',
    {
      class: ['icon', extraClass],
      viewBox: '0 0 16 16',
      width: 16,
      height: 16,
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': 1.6,
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    parts.map(([tag, attrs]) => s(tag, attrs)),
  );
}
