// Touch gestures on the map, for phones and tablets: one finger pans, two fingers pinch-zoom
// about their midpoint (and pan with it), a tap sets the start, a double tap resets the view.
// Only touch pointers are handled here; the mouse and the pen keep the map's own handlers
// (www/app.js). The map's canvas has `touch-action: none` (www/style.css), so the browser
// neither scrolls nor zooms the page under it; everywhere else a finger scrolls the page.

// How far (CSS pixels) a finger may move and still tap, and how soon and how near a second tap
// must follow to be a double tap.
const TAP_SLOP = 10;
const DOUBLE_TAP_MS = 300;
const DOUBLE_TAP_PX = 30;

// Listens on `el` for touch pointers and calls, in CSS pixels relative to `el`:
// `pan(dx, dy)` for a drag, `zoom(x, y, factor)` for a pinch (factor > 1 zooms in),
// `tap(x, y)` for a tap (once it is clear that no second tap follows), `reset()` for a double
// tap, `hover(x, y)` while a finger rests or moves and `hover(null)` when it lifts.
export function touchGestures(el, { pan, zoom, tap, reset, hover }) {
  const fingers = new Map();
  // The gesture under way: the tap candidate (where the first finger went down, null once it
  // moved or a second finger came) and the last midpoint and spread of two fingers.
  let tapFrom = null;
  let pinch = null;
  let lastTap = null;
  let tapTimer;
  const pos = (e) => {
    const r = el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const two = () => {
    const [a, b] = [...fingers.values()];
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, d: Math.hypot(a.x - b.x, a.y - b.y) };
  };
  const isTouch = (e) => e.pointerType === 'touch';

  el.addEventListener('pointerdown', (e) => {
    if (!isTouch(e)) return;
    e.preventDefault();
    el.setPointerCapture?.(e.pointerId);
    const p = pos(e);
    fingers.set(e.pointerId, p);
    if (fingers.size === 1) {
      tapFrom = p;
      hover(p.x, p.y);
    } else {
      tapFrom = null;
      pinch = fingers.size === 2 ? two() : null;
      hover(null);
    }
  });

  el.addEventListener('pointermove', (e) => {
    if (!isTouch(e) || !fingers.has(e.pointerId)) return;
    const was = fingers.get(e.pointerId);
    const p = pos(e);
    fingers.set(e.pointerId, p);
    if (fingers.size === 1) {
      if (tapFrom && Math.hypot(p.x - tapFrom.x, p.y - tapFrom.y) <= TAP_SLOP) return;
      // A drag: from where the finger was when it stopped being a tap, so nothing is lost.
      const from = tapFrom || was;
      tapFrom = null;
      pan(p.x - from.x, p.y - from.y);
      hover(p.x, p.y);
    } else if (fingers.size === 2 && pinch) {
      // The plane follows the fingers: the point under their old midpoint moves to the new
      // one, and the view scales about it by the change of their spread.
      const now = two();
      pan(now.x - pinch.x, now.y - pinch.y);
      if (pinch.d > 0 && now.d > 0) zoom(now.x, now.y, now.d / pinch.d);
      pinch = now;
    }
  });

  const lift = (e, cancelled) => {
    if (!isTouch(e) || !fingers.has(e.pointerId)) return;
    const p = pos(e);
    fingers.delete(e.pointerId);
    const tapped = !cancelled && fingers.size === 0 && tapFrom;
    // One finger left after a pinch: it pans from where it is now, and taps nothing.
    pinch = fingers.size === 2 ? two() : null;
    tapFrom = null;
    if (fingers.size === 0) hover(null);
    if (!tapped) return;
    const t = e.timeStamp;
    if (lastTap && t - lastTap.t < DOUBLE_TAP_MS && Math.hypot(p.x - lastTap.x, p.y - lastTap.y) < DOUBLE_TAP_PX) {
      clearTimeout(tapTimer);
      lastTap = null;
      reset();
      return;
    }
    lastTap = { x: tapped.x, y: tapped.y, t };
    clearTimeout(tapTimer);
    tapTimer = setTimeout(() => tap(tapped.x, tapped.y), DOUBLE_TAP_MS);
  };
  el.addEventListener('pointerup', (e) => lift(e, false));
  el.addEventListener('pointercancel', (e) => lift(e, true));
}
