// First paint before the initial callbacks (issue 14, item 9).
// Each tab's served layout already holds its first figure; the callbacks Dash fires on load fill the panels
// below it. Sent at once, their answers re-render the page while that figure waits to be drawn (~300 ms on
// the Predict tab). So the initial callback requests wait until every graph of the served layout is drawn,
// then go out together; a cap keeps a page whose graphs never draw (all hidden) from waiting longer.
// Requests made after that (every user action) are never held.
(function () {
  'use strict';
  var CAP_MS = 2500;          // from navigation start: never hold longer than this
  var NO_GRAPH_MS = 600;      // a page with no graph at all: release this long after it appears
  var realFetch = window.fetch.bind(window);
  var held = [];
  var released = false;
  var pageSeenAt = null;

  function release() {
    if (released) { return; }
    released = true;
    held.splice(0).forEach(function (send) { send(); });
  }

  function graphsDrawn() {
    var graphs = document.querySelectorAll('.dash-graph');
    if (!graphs.length) { return false; }
    for (var i = 0; i < graphs.length; i++) {
      if (!graphs[i].querySelector('.js-plotly-plot .main-svg')) { return false; }
    }
    return true;
  }

  function watch() {
    if (released) { return; }
    var now = performance.now();
    if (pageSeenAt === null && document.querySelector('[id$="-page"]')) { pageSeenAt = now; }
    var noGraphs = pageSeenAt !== null && !document.querySelector('.dash-graph') && now - pageSeenAt > NO_GRAPH_MS;
    if (now > CAP_MS || noGraphs) { release(); return; }
    if (graphsDrawn()) { requestAnimationFrame(release); return; }   // after the frame that shows them
    requestAnimationFrame(watch);
  }

  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    if (released || url.indexOf('_dash-update-component') === -1) { return realFetch(input, init); }
    return new Promise(function (resolve, reject) {
      held.push(function () { realFetch(input, init).then(resolve, reject); });
    });
  };
  requestAnimationFrame(watch);
})();
