// Keeps the project tables' counts current without reloading the page.
// The page works without it: the counts are right when it loads, and a
// reload brings them up to date.
(function () {
  'use strict';
  var board = document.querySelector('[data-board]');
  if (!board || !window.fetch) return;
  var updated = document.getElementById('tables-updated');
  var EVERY_MS = 5000;

  function people(n) {
    return n === 1 ? '1 person' : n + ' people';
  }

  function show(data) {
    data.tables.forEach(function (t) {
      var table = board.querySelector('[data-project="' + t.project_id + '"]');
      if (!table) return;
      var number = table.querySelector('.tables__number');
      if (number) number.textContent = people(t.people);
      var flag = table.querySelector('.tables__flag');
      if (flag) flag.hidden = !t.flagged;
      table.classList.toggle('tables__table--flagged', t.flagged);
    });
    if (updated) {
      var now = new Date();
      updated.textContent = 'Counts updated at ' + now.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) + '.';
    }
  }

  function refresh() {
    if (document.hidden) return;
    fetch(board.getAttribute('data-board'), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () {});
  }

  window.setInterval(refresh, EVERY_MS);
})();
