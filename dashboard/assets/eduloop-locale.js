/* The page language for the browser side: <html lang>, and Plotly's locale (dates, months, number format,
 * modebar texts) set as Plotly's default config, so every graph of every tab follows ?lang= (or, without it,
 * the browser's first ja/en language, as the server's Accept-Language negotiation does). No "Share chart"
 * button: it would upload the data to Plotly Cloud, which a school network must not do. */
(function () {
    var lang = new URLSearchParams(window.location.search).get('lang');
    if (lang !== 'ja' && lang !== 'en') {
        var first = (navigator.languages || [navigator.language]).map(function (l) {
            return (l || '').slice(0, 2).toLowerCase();
        }).filter(function (l) { return l === 'ja' || l === 'en'; })[0];
        lang = first || 'en';
    }
    document.documentElement.lang = lang;
    function configure(plotly) {
        if (plotly && plotly.setPlotConfig) { plotly.setPlotConfig({locale: lang, displaylogo: false, modeBarButtonsToRemove: ['sendChartToCloud']}); }
    }
    if (window.Plotly) {
        configure(window.Plotly);
        return;
    }
    var loaded;   // Plotly arrives later (with the first graph): configure it the moment it is assigned
    Object.defineProperty(window, 'Plotly', {
        configurable: true, enumerable: true,
        get: function () { return loaded; },
        set: function (value) { loaded = value; configure(value); }
    });
})();
