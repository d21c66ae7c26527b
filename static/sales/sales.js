/* Sales pages: click-to-sort tables and the map that filters the page by country. */
(function () {
  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v === null) return td.textContent.trim().toLowerCase();
    var n = parseFloat(v);
    return isNaN(n) ? v : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[index]), y = cellValue(b.cells[index]);
          if (x === y) return 0;
          return (x > y ? 1 : -1) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();

/* The country list offers the countries of the territory picked in the form (each option
   lists its customers' territories); a country no longer offered is unselected. */
(function () {
  var territory = document.querySelector("[data-territory-select]");
  var country = document.querySelector("[data-country-select]");
  if (!territory || !country) return;
  territory.addEventListener("change", function () {
    var picked = territory.value;
    Array.prototype.forEach.call(country.options, function (option) {
      if (!option.value) return;  // "All"
      var offered = !picked || option.dataset.territories.split(" ").indexOf(picked) >= 0;
      option.hidden = option.disabled = !offered;
      option.textContent = option.value;  // drops a "(not in …)" note
      if (!offered && option.selected) country.value = "";
    });
  });
})();

function salesMapFilter(divId) {
  var attach = function (tries) {
    var gd = document.getElementById(divId);
    if (!gd || typeof gd.on !== "function") {
      if (tries > 0) setTimeout(function () { attach(tries - 1); }, 100);
      return;
    }
    gd.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.location) return;
      var url = new URL(window.location.href);
      url.searchParams.set("country", point.location);
      url.searchParams.delete("export");
      window.location.assign(url.toString());
    });
  };
  attach(50);
}

/* Charts follow the light/dark theme: text and grid colours from the CSS variables. */
function salesChartTheme() {
  if (typeof Plotly === "undefined") return;
  var css = getComputedStyle(document.documentElement);
  var text = css.getPropertyValue("--text").trim();
  var grid = css.getPropertyValue("--border").trim();
  document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
    var update = { "font.color": text };
    if (gd.layout && gd.layout.xaxis) update["xaxis.gridcolor"] = grid;
    if (gd.layout && gd.layout.yaxis) update["yaxis.gridcolor"] = grid;
    Plotly.relayout(gd, update);
    Plotly.Plots.resize(gd);
  });
}
window.addEventListener("load", salesChartTheme);
document.addEventListener("fleetops:theme", salesChartTheme);
