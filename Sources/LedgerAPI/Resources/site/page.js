// StrikeLedger's live page: reads the API of the server that serves it, and nothing else.
// Plain JavaScript, no framework and no build step; the Content-Security-Policy allows
// this file and the API's own origin only.
(function () {
  'use strict';

  var KEY_ITEM = 'strikeledger-key';
  var SVG = 'http://www.w3.org/2000/svg';
  var MAX_HISTORIES = 40;        // strikes whose history is read up front (for the chart's sources)
  var TICKER_LENGTH = 30;

  var state = {
    cities: new Map(),           // id -> city, from /v1/cities
    city: null,                  // the chosen city
    from: null, to: null,        // local dates, YYYY-MM-DD
    datesChosen: false,          // the reader set the dates (else: the last 7 days)
    strikes: [],                 // /v1/strikes items shown
    histories: new Map(),        // strike id -> revisions
    merges: new Map(),           // strike id -> merge events
    expanded: new Set(),         // strike ids whose history is open
    totals: null,
    tolls: new Map(),            // strike id -> last toll seen (to highlight what a change moved)
    rowTolls: new Map(),         // strike id -> toll shown in the table
    lastSeq: null,
    generation: 0
  };

  var $ = function (id) { return document.getElementById(id); };

  // ---- DOM ----

  function el(tag, attrs) {
    var node = document.createElement(tag);
    return fill(node, attrs, Array.prototype.slice.call(arguments, 2));
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    return fill(node, attrs, Array.prototype.slice.call(arguments, 2));
  }

  function fill(node, attrs, children) {
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') node.textContent = v;
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    children.forEach(function add(c) {
      if (c === null || c === undefined || c === false) return;
      if (Array.isArray(c)) { c.forEach(add); return; }
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function flash(node) {
    node.classList.remove('changed');
    void node.getBoundingClientRect();
    node.classList.add('changed');
  }

  // ---- The API ----

  function NeedKey() {}

  function api(path) {
    var headers = { Accept: 'application/json' };
    var key = sessionStorage.getItem(KEY_ITEM);
    if (key) headers.Authorization = 'Bearer ' + key;
    return fetch(path, { headers: headers }).then(function (r) {
      if (r.status === 401) { askForKey(key ? 'The key was refused. ' : ''); throw new NeedKey(); }
      return r.json().then(function (body) { return { status: r.status, body: body }; },
        function () { return { status: r.status, body: null }; });
    });
  }

  function ok(answer) {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    var detail = answer.body && answer.body.detail ? answer.body.detail : 'the server answered ' + answer.status;
    throw new Error(detail);
  }

  function allPages(path) {
    var items = [];
    function page(url) {
      return api(url).then(ok).then(function (body) {
        items = items.concat(body.items);
        return body.next ? page(path.split('?')[0] + '?limit=500&after=' + encodeURIComponent(body.next)) : items;
      });
    }
    return page(path);
  }

  function q(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined; })
      .map(function (k) { return k + '=' + encodeURIComponent(params[k]); }).join('&');
  }

  // ---- Keys (servers started with --private-reads) ----

  var keyWaiters = [];

  function askForKey(why) {
    var form = $('key-form');
    $('key-why').textContent = (why || '') + "This server's reads need a key. It is kept in this tab only, and sent to this server alone.";
    if (form.hidden) { form.hidden = false; $('key').focus(); }
  }

  function keyReady() {
    return new Promise(function (resolve) { keyWaiters.push(resolve); });
  }

  // ---- Dates and zones ----

  function todayIn(zone) {
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
        .format(new Date());
    } catch (e) { return new Date().toISOString().slice(0, 10); }
  }

  function addDays(ymd, n) {
    var p = ymd.split('-').map(Number);
    return new Date(Date.UTC(p[0], p[1] - 1, p[2] + n)).toISOString().slice(0, 10);
  }

  function daysBetween(a, b) {
    var pa = a.split('-').map(Number), pb = b.split('-').map(Number);
    return Math.round((Date.UTC(pb[0], pb[1] - 1, pb[2]) - Date.UTC(pa[0], pa[1] - 1, pa[2])) / 86400000);
  }

  function formatDate(ymd, withYear) {
    var p = ymd.split('-').map(Number);
    var o = { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' };
    if (withYear) o.year = 'numeric';
    return new Intl.DateTimeFormat('en-GB', o).format(new Date(Date.UTC(p[0], p[1] - 1, p[2])));
  }

  function formatInstant(instant, zone, precision) {
    var o = { timeZone: zone || 'UTC', day: 'numeric', month: 'short', year: 'numeric' };
    if (precision !== 'day') { o.hour = '2-digit'; o.minute = '2-digit'; o.hourCycle = 'h23'; }
    var text;
    try { text = new Intl.DateTimeFormat('en-GB', o).format(new Date(instant)); } catch (e) {
      o.timeZone = 'UTC'; text = new Intl.DateTimeFormat('en-GB', o).format(new Date(instant)) + ' UTC';
    }
    return text + (precision === 'day' ? ' (day only)' : precision === 'hour' ? ' (to the hour)' : '');
  }

  function zoneLabel(zone) {
    try {
      var parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(new Date());
      var off = parts.filter(function (p) { return p.type === 'timeZoneName'; })[0];
      return zone + (off ? ' (' + off.value + ' now)' : '');
    } catch (e) { return zone; }
  }

  function zoneOf(cityRef) {
    var c = cityRef && state.cities.get(cityRef.id);
    return c ? c.timezone : 'UTC';
  }

  // ---- Figures ----

  function fig(n) { return n === null || n === undefined ? '–' : String(n); }

  function tollText(t) {
    return fig(t.killed) + ' killed, ' + fig(t.injured) + ' injured';
  }

  function sourcesOf(revisions) {
    var names = [];
    revisions.forEach(function (r) {
      if (!r.voided && names.indexOf(r.source.name) < 0) names.push(r.source.name);
    });
    return names;
  }

  // ---- The form ----

  function message(text) { $('message').textContent = ''; if (text) $('message').textContent = text; }

  function suggest(names) {
    var box = $('message');
    clear(box);
    box.appendChild(el('span', { text: 'No city by that name. Did you mean ' }));
    names.forEach(function (name, i) {
      box.appendChild(el('button', { type: 'button', class: 'suggestion', text: name, onclick: function () {
        $('city').value = name; choose();
      } }));
      box.appendChild(document.createTextNode(i < names.length - 1 ? ' ' : '?'));
    });
  }

  // Resolves what the reader typed through the API (any spelling; suggestions on a typo).
  function resolveCity(text) {
    return api('/v1/casualties?' + q({ city: text, date: todayIn('UTC') })).then(function (a) {
      if (a.status === 422) {
        var e = a.body && a.body.errors && a.body.errors[0];
        return { suggestions: (e && e.suggestions) || [] };
      }
      var body = ok(a);
      return state.citiesLoaded.then(function () {
        var known = state.cities.get(body.city.id);
        if (known) return { city: known };
        return api('/v1/cities/' + body.city.id).then(ok).then(function (c) {
          state.cities.set(c.id, c); return { city: c };
        });
      });
    });
  }

  function choose() {
    var text = $('city').value.trim();
    if (!text) { message('Name a city.'); $('city').focus(); return Promise.resolve(); }
    message('');
    return resolveCity(text).then(function (r) {
      if (!r.city) {
        if (r.suggestions.length) suggest(r.suggestions); else message('No city by that name.');
        return;
      }
      var from = $('from').value, to = $('to').value;
      if (!state.datesChosen || !from || !to) {
        to = todayIn(r.city.timezone); from = addDays(to, -6);
      }
      if (from > to) { message('“From” must not be after “To”.'); return; }
      if (daysBetween(from, to) > 365) { message('Choose at most 366 days.'); return; }
      state.city = r.city; state.from = from; state.to = to;
      $('city').value = r.city.name; $('from').value = from; $('to').value = to;
      state.expanded.clear();
      history.replaceState(null, '', '#' + q({ city: r.city.name, from: state.datesChosen ? from : null, to: state.datesChosen ? to : null }));
      return refresh(true);
    }).catch(report);
  }

  function report(e) {
    if (e instanceof NeedKey) return;
    message('Could not read the ledger: ' + (e && e.message ? e.message : e));
  }

  // ---- The city's view: totals, chart, table ----

  var refreshTimer = null;

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(false).catch(report); }, 60);
  }

  function refresh(first) {
    if (!state.city) return Promise.resolve();
    var generation = ++state.generation;
    var city = state.city, range = { from: state.from, to: state.to };
    var casualties = api('/v1/casualties?' + q({ city: city.id, from: range.from, to: range.to, group_by: 'day' })).then(ok);
    var strikes = allPages('/v1/strikes?' + q({ city: city.id, from: range.from, to: range.to, limit: 500 }));
    var map = refreshMap();
    return Promise.all([casualties, strikes]).then(function (r) {
      if (generation !== state.generation) return;
      state.strikes = r[1];
      state.histories = new Map();
      renderTotals(r[0], first);
      renderChart(r[0]);
      renderStrikes();
      state.strikes.forEach(function (s) { state.tolls.set(s.id, s.toll); state.rowTolls.set(s.id, s.toll); });
      // The chart names the sources behind each day's figures: read the histories, then draw it again.
      var wanted = state.strikes.slice(0, MAX_HISTORIES);
      return Promise.all(wanted.map(function (s) {
        return allPages('/v1/strikes/' + s.id + '/revisions?limit=500').then(function (revs) { return [s.id, revs]; });
      })).then(function (pairs) {
        if (generation !== state.generation) return;
        pairs.forEach(function (p) { state.histories.set(p[0], p[1]); });
        renderChart(r[0]);
      });
    }).then(function () { return map; });
  }

  function renderTotals(c, first) {
    var zone = state.city.timezone;
    $('scope').textContent = state.city.name + ', ' + formatDate(c.from, true) + ' – ' + formatDate(c.to, true);
    $('zone').textContent = 'Dates and times in ' + state.city.name + '’s time zone, ' + zoneLabel(zone) + '.';
    var before = state.totals;
    [['killed', 'total-killed'], ['injured', 'total-injured'], ['strikes', 'total-strikes']].forEach(function (p) {
      var node = $(p[1]);
      node.textContent = String(c.totals[p[0]]);
      if (!first && before && before[p[0]] !== c.totals[p[0]]) flash(node);
    });
    state.totals = c.totals;
    if (first && !performance.getEntriesByName('figures').length) performance.mark('figures');
  }

  function renderChart(c) {
    var days = c.days || [];
    state.lastCasualties = c;
    var box = clear($('chart'));
    // Drawn at the width it is shown at, so that its text stays at the page's size on a phone.
    var W = Math.round(Math.max(280, Math.min(720, box.clientWidth || 640))), H = W < 480 ? 200 : 240;
    var left = 40, right = 8, top = 18, bottom = 40;
    var plotW = W - left - right, plotH = H - top - bottom;
    var max = 1;
    days.forEach(function (d) { max = Math.max(max, d.killed, d.injured); });
    var step = niceStep(max);
    max = Math.ceil(max / step) * step;
    var y = function (v) { return top + plotH - (v / max) * plotH; };
    var daySources = {};
    state.strikes.forEach(function (s) {
      var names = sourcesOf(state.histories.get(s.id) || []);
      var list = daySources[s.local_date] || (daySources[s.local_date] = []);
      names.forEach(function (n) { if (list.indexOf(n) < 0) list.push(n); });
    });
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'bars', role: 'group', 'aria-labelledby': 'chart-title' });
    for (var v = 0; v <= max; v += step) {
      root.appendChild(svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }));
      root.appendChild(svg('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end', 'aria-hidden': 'true' }, String(v)));
    }
    root.appendChild(svg('text', { x: 12, y: top + plotH / 2, class: 'axis-label', transform: 'rotate(-90 12 ' + (top + plotH / 2) + ')',
      'text-anchor': 'middle', 'aria-hidden': 'true' }, 'people'));
    var slot = plotW / Math.max(days.length, 1);
    var bar = Math.max(2, Math.min(28, slot * 0.36));
    var labelEvery = Math.ceil(days.length / 10);
    days.forEach(function (d, i) {
      var x0 = left + i * slot + slot / 2;
      var sources = daySources[d.date] || [];
      var label = formatDate(d.date, true) + ': ' + d.killed + ' killed, ' + d.injured + ' injured, ' +
        d.strikes + (d.strikes === 1 ? ' strike' : ' strikes') +
        (sources.length ? '; according to ' + sources.join(', ') : '');
      var g = svg('g', { class: 'day', tabindex: 0, role: 'img', 'aria-label': label, 'data-date': d.date },
        svg('title', null, label),
        svg('rect', { x: x0 - slot / 2, y: top, width: slot, height: plotH, class: 'hit' }),
        svg('rect', { x: x0 - bar - 1, y: y(d.killed), width: bar, height: Math.max(0, y(0) - y(d.killed)), class: 'killed' }),
        svg('rect', { x: x0 + 1, y: y(d.injured), width: bar, height: Math.max(0, y(0) - y(d.injured)), class: 'injured' }));
      if (days.length <= 16) {
        g.appendChild(svg('text', { x: x0 - bar / 2 - 1, y: y(d.killed) - 4, class: 'value', 'text-anchor': 'middle' }, String(d.killed)));
        g.appendChild(svg('text', { x: x0 + bar / 2 + 1, y: y(d.injured) - 4, class: 'value', 'text-anchor': 'middle' }, String(d.injured)));
      }
      if (i % labelEvery === 0) {
        var p = formatDate(d.date).split(' ');
        g.appendChild(svg('text', { x: x0, y: H - bottom + 16, class: 'tick', 'text-anchor': 'middle' }, p[0].replace(',', '')));
        g.appendChild(svg('text', { x: x0, y: H - bottom + 30, class: 'tick', 'text-anchor': 'middle' }, p.slice(1).join(' ')));
      }
      root.appendChild(g);
    });
    box.appendChild(root);
  }

  function niceStep(max) {
    var raw = max / 4, mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) return Math.max(1, steps[i] * mag);
    return 10 * mag;
  }

  function renderStrikes() {
    var body = clear(document.querySelector('#strikes tbody'));
    var zone = state.city.timezone;
    $('strikes-empty').hidden = state.strikes.length > 0;
    $('strikes').hidden = state.strikes.length === 0;
    state.strikes.forEach(function (s) {
      var before = state.rowTolls.get(s.id);
      var panelId = 'history-' + s.id;
      var open = state.expanded.has(s.id);
      var button = el('button', { type: 'button', class: 'toggle', 'aria-expanded': open ? 'true' : 'false',
        'aria-controls': panelId, id: 'toggle-' + s.id, onclick: function () { toggle(s.id); } },
        s.toll.revisions + (s.toll.revisions === 1 ? ' revision' : ' revisions'));
      var killed = el('td', { class: 'num' }, fig(s.toll.killed));
      var injured = el('td', { class: 'num' }, fig(s.toll.injured));
      if (before && before.killed !== s.toll.killed) flash(killed);
      if (before && before.injured !== s.toll.injured) flash(injured);
      body.appendChild(el('tr', { class: 'strike', 'data-strike': s.id },
        el('td', null, formatInstant(s.occurred_at, zone, s.time_precision),
          s.description ? el('span', { class: 'desc' }, s.description) : null),
        killed, injured, el('td', null, button)));
      var panel = el('td', { colspan: 4 });
      body.appendChild(el('tr', { class: 'history', id: panelId, hidden: !open }, panel));
      if (open) renderHistory(s, panel);
    });
  }

  function toggle(id) {
    var button = $('toggle-' + id), row = $('history-' + id);
    var open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    row.hidden = !open;
    if (!open) { state.expanded.delete(id); return; }
    state.expanded.add(id);
    var s = state.strikes.filter(function (x) { return x.id === id; })[0];
    renderHistory(s, row.firstChild);
  }

  function renderHistory(s, cell) {
    var zone = state.city.timezone;
    var load = state.histories.has(s.id) ? Promise.resolve(state.histories.get(s.id))
      : allPages('/v1/strikes/' + s.id + '/revisions?limit=500');
    var merges = api('/v1/changes?' + q({ strike_id: s.id, since: 0, limit: 1000 })).then(ok).then(function (b) {
      return b.items.filter(function (e) { return e.type === 'merge' && e.strike_id === s.id; });
    });
    Promise.all([load, merges]).then(function (r) {
      state.histories.set(s.id, r[0]);
      clear(cell);
      var list = el('ol', { class: 'revisions', 'aria-label': 'Who said what about this strike' });
      r[0].forEach(function (rev) {
        var figures = [];
        if (rev.killed !== null) figures.push(rev.killed + ' killed');
        if (rev.injured !== null) figures.push(rev.injured + ' injured');
        var said = el(rev.voided ? 'del' : 'span', { class: 'figures' }, figures.join(', '));
        list.appendChild(el('li', { class: rev.voided ? 'revision voided' : 'revision' },
          el('span', { class: 'when' }, formatInstant(rev.reported_at, zone)),
          ' ', el('strong', { class: 'source' }, rev.source.name), ' ',
          el('span', { class: 'kind' }, rev.source.kind.replace('_', ' ')), ': ', said,
          rev.note ? el('span', { class: 'note' }, ' “' + rev.note + '”') : null,
          rev.strike_id !== s.id ? el('span', { class: 'via' }, ' recorded on strike ' + rev.strike_id + ', merged into this one') : null,
          rev.voided ? el('span', { class: 'void' }, ' Voided: ' + rev.voided.reason) : null,
          el('span', { class: 'seq' }, ' · seq ' + rev.seq)));
      });
      if (!r[0].length) list.appendChild(el('li', null, 'No figure stated yet.'));
      cell.appendChild(list);
      r[1].forEach(function (m) {
        cell.appendChild(el('p', { class: 'merged' }, 'Strike ' + m.merged_strike_id + ' was merged into this one (seq ' + m.seq + ').'));
      });
      if (s.damage) cell.appendChild(el('p', { class: 'damage' }, 'Damage: ' + s.damage));
    }).catch(report);
  }

  // ---- The map ----

  var mapTimer = null;

  function scheduleMap() {
    if (mapTimer) return;
    mapTimer = setTimeout(function () { mapTimer = null; refreshMap().catch(report); }, 200);
  }

  function refreshMap() {
    if (!state.from) return Promise.resolve();
    return Promise.all([api('/v1/casualties?' + q({ from: state.from, to: state.to })).then(ok), state.citiesLoaded])
      .then(function (r) { renderMap(r[0]); });
  }

  function renderMap(c) {
    state.lastMap = c;
    var cities = Array.from(state.cities.values());
    var box = clear($('map'));
    if (!cities.length) return;
    var struck = new Map();
    c.strikes.forEach(function (s) {
      var e = struck.get(s.city.id) || { strikes: 0, killed: 0, injured: 0 };
      e.strikes += 1; e.killed += s.toll.killed || 0; e.injured += s.toll.injured || 0;
      struck.set(s.city.id, e);
    });
    var lat0 = 0, minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    cities.forEach(function (ct) { lat0 += ct.latitude / cities.length; });
    var k = Math.cos(lat0 * Math.PI / 180);
    var px = function (ct) { return [ct.longitude * k, -ct.latitude]; };
    cities.forEach(function (ct) {
      var p = px(ct);
      minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]); minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
    });
    var W = Math.round(Math.max(260, Math.min(520, box.clientWidth || 400))), pad = 24, scale = (W - 2 * pad) / Math.max(maxX - minX, 0.1);
    var H = Math.round((maxY - minY) * scale + 2 * pad);
    var at = function (ct) { var p = px(ct); return [pad + (p[0] - minX) * scale, pad + (p[1] - minY) * scale]; };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'geo', role: 'group', 'aria-labelledby': 'map-title' });
    for (var lon = Math.ceil(minX / k / 2) * 2; lon * k <= maxX; lon += 2) {
      var gx = pad + (lon * k - minX) * scale;
      root.appendChild(svg('line', { x1: gx, x2: gx, y1: 0, y2: H, class: 'graticule' }));
      root.appendChild(svg('text', { x: gx + 2, y: H - 3, class: 'graticule-label', 'aria-hidden': 'true' }, lon + '°E'));
    }
    for (var lat = Math.ceil(-maxY); lat <= -minY; lat += 1) {
      if (lat % 2) continue;
      var gy = pad + (-lat - minY) * scale;
      root.appendChild(svg('line', { x1: 0, x2: W, y1: gy, y2: gy, class: 'graticule' }));
      root.appendChild(svg('text', { x: 2, y: gy - 2, class: 'graticule-label', 'aria-hidden': 'true' }, lat + '°N'));
    }
    cities.forEach(function (ct) {
      if (struck.has(ct.id)) return;
      var p = at(ct);
      root.appendChild(svg('circle', { cx: p[0], cy: p[1], r: 1.8, class: 'town' }, svg('title', null, ct.name)));
    });
    var order = Array.from(struck.keys()).sort(function (a, b) {
      var ea = struck.get(a), eb = struck.get(b);
      return (eb.killed + eb.injured) - (ea.killed + ea.injured);
    });
    order.forEach(function (id) {
      var ct = state.cities.get(id), e = struck.get(id);
      if (!ct) return;
      var p = at(ct), toll = e.killed + e.injured;
      var label = ct.name + ': ' + e.strikes + (e.strikes === 1 ? ' strike, ' : ' strikes, ') + e.killed + ' killed, ' + e.injured + ' injured';
      var chosen = state.city && state.city.id === id;
      var g = svg('g', { class: 'struck' + (chosen ? ' chosen' : ''), tabindex: 0, role: 'button', 'aria-label': label + '. Show this city',
        'data-city': ct.name,
        onclick: function () { $('city').value = ct.name; choose(); },
        onkeydown: function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('city').value = ct.name; choose(); } } },
        svg('title', null, label),
        svg('circle', { cx: p[0], cy: p[1], r: (4 + 3 * Math.sqrt(toll)).toFixed(1), class: 'marker' }),
        svg('text', { x: p[0] + 7, y: p[1] - 6, class: 'place' }, ct.name + ' ' + e.killed + '/' + e.injured));
      root.appendChild(g);
    });
    box.appendChild(root);
    $('map-note').textContent = struck.size
      ? 'Circle area follows the toll (killed + injured; labels read killed/injured), ' + formatDate(c.from, true) + ' – ' +
        formatDate(c.to, true) + ', each city on its own calendar. Grey dots: other cities of the gazetteer.'
      : 'No city was struck on these dates. Grey dots: the cities of the gazetteer.';
  }

  // ---- The ticker: /v1/changes/stream, resumed with Last-Event-ID ----

  function connection(stateName, text) {
    var p = $('connection');
    if (p.getAttribute('data-state') !== stateName || $('connection-text').textContent !== text) {
      p.setAttribute('data-state', stateName);
      $('connection-text').textContent = text;
    }
  }

  function tickerItem(ev, fresh) {
    var zone = zoneOf(ev.city);
    var before = state.tolls.get(ev.strike_id);
    var t = ev.toll;
    var figure = function (name) {
      var moved = before ? before[name] !== t[name] : ev.revision && ev.revision[name] !== null;
      var text = fig(t[name]) + ' ' + name;
      return moved && fresh ? el('mark', { class: 'moved' }, text) : el('span', null, text);
    };
    var what;
    if (ev.type === 'revision') {
      what = [el('strong', null, ev.revision.source.name), ' stated ' + figuresOf(ev.revision) +
        ' (' + formatInstant(ev.revision.reported_at, zone) + ')'];
    } else if (ev.type === 'void') {
      what = ['A statement by ', el('strong', null, ev.revision.source.name), ' was voided: ' + ev.revision.voided.reason];
    } else {
      what = ['Strike ' + ev.merged_strike_id + ' merged into strike ' + ev.strike_id];
    }
    var when = ev.revision ? (ev.type === 'void' ? ev.revision.voided.at : ev.revision.recorded_at) : null;
    var li = el('li', { class: 'event' + (fresh ? ' fresh' : ''), 'data-seq': ev.seq, 'data-strike': ev.strike_id },
      el('span', { class: 'place' }, ev.city.name),
      when ? el('time', { datetime: when }, ' ' + formatInstant(when, zone)) : null,
      el('span', { class: 'what' }, what),
      el('span', { class: 'toll' }, 'Toll now ', figure('killed'), ', ', figure('injured')));
    state.tolls.set(ev.strike_id, t);
    var list = $('ticker');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > TICKER_LENGTH) list.removeChild(list.lastChild);
  }

  function figuresOf(r) {
    var f = [];
    if (r.killed !== null) f.push(r.killed + ' killed');
    if (r.injured !== null) f.push(r.injured + ' injured');
    return f.join(', ');
  }

  function onEvent(ev) {
    if (state.lastSeq !== null && ev.seq <= state.lastSeq) return;
    state.lastSeq = ev.seq;
    tickerItem(ev, true);
    if (state.city && ev.city.id === state.city.id) scheduleRefresh();
    else scheduleMap();
  }

  // The feed's head, and the last few events for context.
  function primeTicker() {
    return api('/v1/changes?since=9223372036854775807').then(ok).then(function (b) {
      var head = b.next_since;
      var recent = api('/v1/changes?' + q({ since: Math.max(0, head - 8), limit: 8 })).then(ok);
      return Promise.all([recent, state.citiesLoaded]).then(function (all) {
        var r = all[0];
        r.items.forEach(function (ev) { tickerItem(ev, false); });
        state.lastSeq = r.items.length ? r.items[r.items.length - 1].seq : head;
      });
    });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function follow() {
    var failures = 0, failingSince = null;
    function attempt() {
      var headers = { Accept: 'text/event-stream' };
      var key = sessionStorage.getItem(KEY_ITEM);
      if (key) headers.Authorization = 'Bearer ' + key;
      if (state.lastSeq !== null) headers['Last-Event-ID'] = String(state.lastSeq);
      var controller = new AbortController();
      var watchdog = null;
      var arm = function () {
        clearTimeout(watchdog);
        watchdog = setTimeout(function () { controller.abort(); }, 40000);  // keep-alives come every 15 s
      };
      arm();
      return fetch('/v1/changes/stream', { headers: headers, cache: 'no-store', signal: controller.signal }).then(function (r) {
        if (r.status === 401) { askForKey(key ? 'The key was refused. ' : ''); clearTimeout(watchdog); return keyReady(); }
        if (!r.ok || !r.body) throw new Error('status ' + r.status);
        failures = 0; failingSince = null;
        connection('live', 'Live: following the changes feed.');
        var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = '';
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            arm();
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split(/\r?\n\r?\n/);
            buffer = blocks.pop();
            blocks.forEach(parseBlock);
            return read();
          });
        }
        return read();
      }).catch(function () { /* the connection is gone: try again below */ }).then(function () {
        clearTimeout(watchdog);
      });
    }
    function parseBlock(block) {
      var data = [];
      block.split(/\r?\n/).forEach(function (line) {
        if (line.slice(0, 5) === 'data:') data.push(line.slice(5).replace(/^ /, ''));
      });
      if (!data.length) return;
      try { onEvent(JSON.parse(data.join('\n'))); } catch (e) { /* not an event of ours */ }
    }
    function loop() {
      return attempt().then(function () {
        failures += 1;
        if (failingSince === null) failingSince = Date.now();
        var offline = !navigator.onLine || Date.now() - failingSince > 20000;
        connection(offline ? 'offline' : 'reconnecting', offline
          ? 'Offline: the server does not answer; trying again every few seconds.'
          : 'Reconnecting to the changes feed…');
        return sleep(Math.min(250 * Math.pow(2, failures - 1), 3000));
      }).then(loop);
    }
    loop();
  }

  // ---- Start ----

  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    if (params.get('city')) $('city').value = params.get('city');
    if (params.get('from') && params.get('to')) {
      $('from').value = params.get('from'); $('to').value = params.get('to'); state.datesChosen = true;
    }
  }

  function start() {
    state.citiesLoaded = allPages('/v1/cities?limit=500').then(function (cities) {
      var list = clear($('city-names'));
      cities.forEach(function (c) { state.cities.set(c.id, c); list.appendChild(el('option', { value: c.name })); });
    });
    var ticker = primeTicker();
    return Promise.all([state.citiesLoaded, choose(), ticker]).then(follow, function (e) {
      if (e instanceof NeedKey) return keyReady().then(start);
      report(e);
      follow();
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('query').addEventListener('submit', function (e) { e.preventDefault(); choose(); });
    ['from', 'to'].forEach(function (id) {
      $(id).addEventListener('change', function () { state.datesChosen = true; });
    });
    $('key-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var key = $('key').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_ITEM, key);
      $('key').value = '';
      $('key-form').hidden = true;
      var waiters = keyWaiters; keyWaiters = [];
      waiters.forEach(function (w) { w(); });
    });
    var resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        if (state.lastCasualties) renderChart(state.lastCasualties);
        if (state.lastMap) renderMap(state.lastMap);
      }, 150);
    });
    window.addEventListener('offline', function () { connection('offline', 'Offline: this device has no network.'); });
    readHash();
    start();
  });
})();
