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
// Live regions: <div id="x" data-live="need,offer" [data-live-src="/url"]
// [data-live-gap="ms"] [data-live-every="ms"]>. When the server says one of those changed (GET
// /live, server-sent events), the region is read again — from its source,
// or from this page's own address — and swapped in place; focus stays on
// the same link. Without EventSource, or when the stream cannot be held,
// the region is read every 30 s instead. Nothing here is needed to work:
// a reload shows the same.
(function () {
  var regions = document.querySelectorAll('[data-live]');
  if (!regions.length || !window.fetch || !window.DOMParser) { return; }
  var status = document.querySelector('[data-live-status]');
  var say = function (key) {
    if (status) { status.textContent = status.getAttribute('data-live-' + key) || ''; }
  };
  var refreshers = [];
  Array.prototype.forEach.call(regions, function (region) {
    var topics = region.getAttribute('data-live').split(',');
    var gap = parseInt(region.getAttribute('data-live-gap') || '1000', 10);
    var src = region.getAttribute('data-live-src');
    var last = 0, timer = null, busy = false, again = false;
    var swap = function () {
      timer = null;
      if (busy) { again = true; return; }
      busy = true; last = Date.now();
      var focused = document.activeElement && region.contains(document.activeElement) ?
        document.activeElement.getAttribute('href') : null;
      fetch(src || window.location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          if (src) {
            region.innerHTML = html;
          } else {
            var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(region.id);
            if (!fresh) { return; }
            region.innerHTML = fresh.innerHTML;
          }
          if (focused) {
            var back = region.querySelector('a[href="' + focused + '"]');
            if (back) { back.focus(); }
          }
          region.dispatchEvent(new CustomEvent('live:swapped', { bubbles: true }));
          say('updated');
        })
        .catch(function () { say('failed'); })
        .then(function () {
          busy = false;
          if (again) { again = false; schedule(); }
        });
    };
    var schedule = function () {
      if (timer) { return; }
      timer = setTimeout(swap, Math.max(200, gap - (Date.now() - last)));
    };
    refreshers.push({ topics: topics, schedule: schedule });
    // A region whose content ages by itself (a board's alarms) is read
    // again every so often even when nothing is heard.
    var every = parseInt(region.getAttribute('data-live-every') || '0', 10);
    if (every > 0) { setInterval(schedule, every); }
  });
  var heard = function (topic) {
    refreshers.forEach(function (r) {
      if (topic === '*' || r.topics.indexOf(topic) >= 0 || r.topics.indexOf('*') >= 0) { r.schedule(); }
    });
  };
  var poll = function () {
    say('polling');
    setInterval(function () { heard('*'); }, 30000);
  };
  if (!window.EventSource) { poll(); return; }
  // Each message is "entity division": what changed, and where.
  var es = new EventSource('/live');
  es.onmessage = function (m) { heard(String(m.data).split(' ')[0]); };
  var opened = false;
  es.onopen = function () {
    // Reopened after a break: what changed meanwhile was not heard.
    if (opened) { heard('*'); }
    opened = true;
    say('on');
  };
  es.onerror = function () {
    if (es.readyState === EventSource.CLOSED) { poll(); } else { say('off'); }
  };
})();
// The board by keyboard (when no field has focus): j or ↓ next need, k or
// ↑ previous, Enter opens it, / to search, [ and ] previous and next page.
document.addEventListener('keydown', function (e) {
  var board = document.getElementById('needs');
  if (!board || e.ctrlKey || e.metaKey || e.altKey) { return; }
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName))) { return; }
  var links = Array.prototype.slice.call(board.querySelectorAll('tbody a[data-need]'));
  var at = links.indexOf(document.activeElement);
  var go = function (i) {
    if (!links.length) { return; }
    var l = links[Math.max(0, Math.min(links.length - 1, i))];
    l.focus();
    l.closest('tr').scrollIntoView({ block: 'nearest' });
  };
  var page = function (rel) {
    var a = document.querySelector('#pager a[rel="' + rel + '"]');
    if (a) { window.location.href = a.href; }
  };
  switch (e.key) {
    case 'j': go(at < 0 ? 0 : at + 1); break;
    case 'k': go(at < 0 ? 0 : at - 1); break;
    // Arrows move within the board once in it; elsewhere they scroll.
    case 'ArrowDown': if (at < 0) { return; } go(at + 1); break;
    case 'ArrowUp': if (at < 0) { return; } go(at - 1); break;
    case '/': var q = document.getElementById('f-q'); if (q) { q.focus(); q.select(); } break;
    case ']': page('next'); break;
    case '[': page('prev'); break;
    default: return;
  }
  e.preventDefault();
});
// Division fields (<input data-division-picker>): as a name is typed
// (雁塔, 小寨路), the divisions it names are offered below the field, each
// as its code with its full name; choosing one puts the code in. The field
// takes a name or a code without this too (the server reads the name).
(function () {
  var fields = document.querySelectorAll('input[data-division-picker]');
  if (!fields.length || !window.fetch) { return; }
  Array.prototype.forEach.call(fields, function (input, i) {
    var list = document.createElement('datalist');
    list.id = 'division-options-' + i;
    input.insertAdjacentElement('afterend', list);
    input.setAttribute('list', list.id);
    var timer = null, asked = '';
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || q === asked || /^\d{12}$/.test(q)) { return; }
      timer = setTimeout(function () {
        asked = q;
        fetch('/api/divisions?limit=12&q=' + encodeURIComponent(q), { credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (hits) {
            if (input.value.trim() !== q) { return; }
            list.textContent = '';
            hits.forEach(function (h) {
              var o = document.createElement('option');
              o.value = h.code;
              o.label = h.full_name;
              list.appendChild(o);
            });
          })
          .catch(function () { /* the field still takes a name */ });
      }, 200);
    });
  });
})();
