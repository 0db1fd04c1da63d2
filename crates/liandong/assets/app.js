// Small behaviours that need no inline script (the CSP forbids it).
// Confirm dangerous submits: <form data-confirm="message">, or the one
// button that submits it: <button data-confirm="message">.
document.addEventListener('submit', function (e) {
  var msg = (e.submitter && e.submitter.getAttribute('data-confirm')) ||
    (e.target.getAttribute && e.target.getAttribute('data-confirm'));
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
// Copy a text to the clipboard: <button data-copy="#id" data-copied="done">.
// Without script the text stays selectable by hand.
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-copy]');
  if (!b) { return; }
  var t = document.querySelector(b.getAttribute('data-copy'));
  if (!t) { return; }
  var text = t.value || t.textContent;
  var done = function () { b.textContent = b.getAttribute('data-copied') || b.textContent; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    t.focus(); t.select();
    try { document.execCommand('copy'); done(); } catch (err) { /* selected for the person to copy */ }
  }
});
