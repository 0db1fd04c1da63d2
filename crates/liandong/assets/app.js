// Small behaviours that need no inline script (the CSP forbids it).
// Confirm dangerous submits: <form data-confirm="message">.
document.addEventListener('submit', function (e) {
  var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
