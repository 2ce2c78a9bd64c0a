// Fills in the page's own address in the example and refreshes the numbers and the chart of
// the info page from /info.json every 5 seconds.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';

  function set(field, value) {
    var node = document.querySelector('[data-field="' + field + '"]');
    if (node) node.textContent = value;
  }

  function uptime(seconds) {
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return d + ' d ' + h + ' h';
    if (h > 0) return h + ' h ' + m + ' min';
    return m > 0 ? m + ' min' : seconds + ' s';
  }

  function chart(minutes) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 600 120');
    svg.setAttribute('preserveAspectRatio', 'none');
    var peak = Math.max.apply(null, [1].concat(minutes.map(function (m) { return m.sent + m.failed; })));
    var step = 600 / Math.max(1, minutes.length);
    minutes.forEach(function (m, i) {
      var sent = (m.sent / peak) * 120, failed = (m.failed / peak) * 120;
      [['sent', 120 - sent, sent], ['failed', 120 - sent - failed, failed]].forEach(function (bar) {
        var rect = document.createElementNS(SVG, 'rect');
        rect.setAttribute('class', bar[0]);
        rect.setAttribute('x', i * step);
        rect.setAttribute('y', bar[1]);
        rect.setAttribute('width', Math.max(1, step - 2));
        rect.setAttribute('height', bar[2]);
        svg.appendChild(rect);
      });
    });
    var holder = document.querySelector('[data-field="chart"]');
    holder.replaceChildren(svg);
  }

  function refresh() {
    fetch('/info.json', { headers: { Accept: 'application/json' } })
      .then(function (response) { return response.json(); })
      .then(function (info) {
        ['waiting', 'active', 'delayed', 'completed', 'failed'].forEach(function (state) {
          set('queue.' + state, info.queue ? info.queue[state] : '–');
        });
        ['sent', 'failed', 'bounced', 'complained'].forEach(function (total) {
          set('totals.' + total, info.totals ? info.totals[total] : '–');
        });
        set('uptime', uptime(info.uptime_seconds));
        set('redis', 'Redis ' + info.redis);
        set('redis-text', info.redis);
        document.querySelector('[data-field="redis"]').classList.toggle('down', info.redis !== 'up');
        chart(info.minutes);
      })
      .catch(function () { /* keep the last numbers; the next refresh tries again */ });
  }

  // The address the reader used, not one the server would have to name (behind a proxy, the
  // Host header the server sees can be an internal one).
  set('origin', location.origin);
  setInterval(refresh, 5000);
})();
