/** `fn` as a release that may be called any number of times and acts only the first (a slot is freed once). */
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
