/* Lists (app/templates/appbuilder/general/widgets/base_list.html): the batch buttons are enabled once
   rows are selected and say how many; their confirmation names the action and the count; a row's 删除
   names the record (on a record page, its header's 删除 too); the search bar sends only the fields filled in; 高级搜索
   is fetched when opened. No inline handlers (CSP). */
(function () {
  "use strict";
  if (window.aidListsReady) { return; }
  window.aidListsReady = true;

  function text(node) { return (node && node.textContent || "").replace(/\s+/g, " ").trim(); }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function refresh() {
    var n = document.querySelectorAll("input.action_check:checked").length;
    document.querySelectorAll(".aid-toolbar").forEach(function (bar) {
      bar.querySelectorAll("button.aid-batch").forEach(function (b) { b.disabled = n === 0; });
      var shown = bar.querySelector(".aid-selected");
      if (shown) { shown.textContent = n ? shown.dataset.template.replace("__N__", n) : ""; }
    });
  }

  function ready() {
    document.addEventListener("change", function (e) {
      if (e.target.matches && e.target.matches("input.action_check, input.action_check_all")) { refresh(); }
    });
    document.addEventListener("click", function (e) {
      var all = e.target.closest && e.target.closest("input.action_check_all");
      if (all) { setTimeout(refresh, 0); }
      var batch = e.target.closest && e.target.closest("button.aid-batch");
      if (batch) {
        e.preventDefault();
        var n = document.querySelectorAll("input.action_check:checked").length;
        var table = document.querySelector("table.aid-list");
        var head = table ? table.dataset.confirmBatch.replace("__ACTION__", batch.dataset.label).replace("__N__", n) : "";
        var message = "<p><strong>" + escapeHtml(head) + "</strong></p>" +
          (batch.dataset.confirm ? "<p>" + escapeHtml(batch.dataset.confirm) + "</p>" : "");
        if (!n) { return; }
        (window.modelActions || new AdminActions()).execute_multiple(batch.dataset.action, message);
        return;
      }
      var del = e.target.closest && e.target.closest("a.aid-delete");
      if (del) {
        e.preventDefault();
        var row = del.closest("tr");
        var cell = row ? row.querySelector("td:not(.action_checkboxes)") : null;
        var list = del.closest("table.aid-list");
        var what = text(cell) || "";
        var question = del.dataset.confirm ||  /* a record page's 删除 names its record itself */
          (list ? list.dataset.confirmDelete.replace("__WHAT__", "「" + what + "」") : "");
        new AdminActions().execute_single_delete(del.dataset.href, question);
      }
    });
    document.querySelectorAll("form.aid-search-bar").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("input[name^='_flt_'], select[name^='_flt_']").forEach(function (f) {
          if (!f.value) { f.disabled = true; }
        });
      });
    });
    refresh();
  }

  /* 高级搜索 is drawn when it is first opened (app/views/search.py SearchRelayView.panel): the form of
     Flask-AppBuilder's search widget and its data, on which its AdminFilters (ab_filters.js) is started. */
  function loadSearchPanel() {
    var box = this.querySelector("[data-search-panel]");
    if (!box || box.dataset.loaded) { return; }
    box.dataset.loaded = "1";
    fetch(box.dataset.searchPanel, {credentials: "same-origin", headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        box.innerHTML = html;
        var data = JSON.parse(box.querySelector("script.aid-filter-data").textContent);
        new AdminFilters("#filter_form", data.labels, data.fields, data.filters, data.active);
        box.dataset.ready = "1";
      })
      .catch(function () {
        delete box.dataset.loaded;  /* opened again, it asks again */
        box.innerHTML = '<p class="text-danger">' + escapeHtml(box.dataset.failed) + "</p>";
      });
  }
  if (window.jQuery) { window.jQuery(document).on("show.bs.collapse", ".aid-advanced-search .panel-collapse", loadSearchPanel); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
