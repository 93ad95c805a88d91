// For the workers (www/maps-worker.js, www/tune-worker.js): a promise that resolves after the
// worker has read the messages waiting for it (a newer request, a cancel), so a long job can
// let them in between two slices of its work.
export const breathe = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve();
  ch.port2.postMessage(null);
});
