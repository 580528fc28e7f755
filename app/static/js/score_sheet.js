/* 评分表 (app/templates/aid/score_sheet.html): the total as the scores are typed.
   Sums the scores entered and the full scores of those items; marks a score outside 0..full.
   The server judges every score again on save (app/rules/supervision.py). */
(function () {
  var sheet = document.getElementById("score-sheet");
  if (!sheet) { return; }
  function tenths(text) {
    var value = Number(String(text).replace("，", ".").replace(",", "."));
    return isFinite(value) ? Math.round(value * 10) : null;
  }
  function show(tenthsValue) {
    if (tenthsValue < 0) { return "-" + show(-tenthsValue); }
    var whole = Math.floor(tenthsValue / 10), rest = tenthsValue % 10;
    return rest ? whole + "." + rest : String(whole);
  }
  function update() {
    var given = 0, full = 0, scored = 0;
    sheet.querySelectorAll("[data-score-line]").forEach(function (row) {
      var input = row.querySelector("[data-score]"), max = Number(row.querySelector("[data-full]").getAttribute("data-full"));
      var text = input.value.trim(), value = text === "" ? null : tenths(text);
      var wrong = text !== "" && (value === null || value < 0 || value > max * 10);
      input.parentNode.classList.toggle("has-error", wrong);
      if (text !== "" && value !== null) {
        given += value;
        full += max;
        scored += 1;
      }
    });
    document.getElementById("sheet-total").textContent = show(given);
    document.getElementById("sheet-full").textContent = String(full);
    document.getElementById("sheet-scored").textContent = String(scored);
  }
  sheet.addEventListener("input", update);
  update();
}());
