/* Small page behaviours, declared in the templates as data attributes instead of inline
   event handlers (onclick="..."), which the Content-Security-Policy does not run:
     <select data-autosubmit>               submits its form when changed
     <button data-print>                    opens the print dialog
     <input type=checkbox data-check-all="CSS selector">   ticks or clears those boxes
   A list's search forms (its search bar and #filter_form, GETs) are posted to the search relay instead, so an ID number
   typed into it never enters the page's address (app/views/search.py).
   The menu's 退出登录 link is posted (a GET of /logout/ changes nothing).
   Delegated from the document, so it works whenever this file loads. */
(function () {
  /* Flask-AppBuilder's ab_keep_tab.js reopens the tab last shown on any page (one key for the whole
     site): a new inspection opened on the 电话回访记录 tab of the one seen before and showed none of its
     details. Here each page keeps its own tab (the last 50 pages): a page comes back on the tab it was
     left on (after adding a 参训人员 from its tab, say), any other page opens on its first tab. */
  try {
    var here = window.location.pathname, store = window.localStorage;
    var tabs = JSON.parse(store.getItem("aidTabs") || "{}");
    if (tabs[here]) { store.setItem("lastTab", tabs[here]); } else { store.removeItem("lastTab"); }
    document.addEventListener("click", function (event) {
      var tab = event.target.closest && event.target.closest('a[data-toggle="tab"]');
      if (!tab) { return; }
      var kept = JSON.parse(store.getItem("aidTabs") || "{}");
      delete kept[here];
      kept[here] = tab.getAttribute("href");
      var pages = Object.keys(kept);
      if (pages.length > 50) { delete kept[pages[0]]; }
      store.setItem("aidTabs", JSON.stringify(kept));
    });
  } catch (e) { /* no storage: each page opens on its first tab */ }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  function csrfInput() {
    var meta = document.querySelector('meta[name="aid-csrf"]'), token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = meta ? meta.getAttribute("content") : "";
    return token;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, relay = document.querySelector('meta[name="aid-search-relay"]');
    var search = form.id === "filter_form" || (form.classList && form.classList.contains("aid-search-bar"));
    if (!relay || !search || form.method.toLowerCase() === "post") { return; }
    form.method = "post";
    form.action = relay.getAttribute("content") + "?next=" + encodeURIComponent(window.location.pathname);
    form.appendChild(csrfInput());
  });
  /* 退出登录 ends every login of the user: the menu's link posts it (a GET only shows the button). */
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('a[href$="/logout/"]') : null;
    if (!link || !document.querySelector('meta[name="aid-csrf"]')) { return; }
    event.preventDefault();
    var form = document.createElement("form");
    form.method = "post";
    form.action = link.getAttribute("href");
    form.appendChild(csrfInput());
    document.body.appendChild(form);
    form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print], [data-check-all]") : null;
    if (!el) { return; }
    if (el.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else {
      document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
}());

/* Date fields: the calendar in the user's language (Chinese by default), Monday first, closed on
   a pick; typed dates are kept as typed (2021-09-01). Date-and-time fields (2021-09-01 08:30) are
   typed: the framework's calendar picks dates only and would cut off the time. Must run after
   the framework's own set-up (ab.js, a jQuery ready handler): jQuery runs ready handlers
   asynchronously and in order, so this one is queued behind it once the page has loaded. */
window.addEventListener("load", function () {
  var $ = window.jQuery;
  if (!$ || !$.fn || !$.fn.datepicker) { return; }
  $(setUpDateFields);
});

function setUpDateFields() {
  var $ = window.jQuery;
  var meta = document.querySelector('meta[name="aid-locale"]');
  var zh = !meta || meta.getAttribute("content").indexOf("zh") === 0;
  $.fn.datepicker.dates["zh-CN"] = {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    daysMin: ["日", "一", "二", "三", "四", "五", "六"],
    months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
    monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    today: "今天", clear: "清除", format: "yyyy-mm-dd", titleFormat: "yyyy年mm月", weekStart: 1
  };
  $(".appbuilder_datetime").each(function () {
    var box = $(this);
    box.datepicker("destroy").removeAttr("data-provide").removeClass("date");
    box.find("input").attr("placeholder", box.find("input").attr("placeholder") || "2021-09-01 08:30");
  });
  $(".appbuilder_date").each(function () {
    var box = $(this);
    box.datepicker("destroy");
    box.datepicker({format: "yyyy-mm-dd", language: zh ? "zh-CN" : "en", weekStart: zh ? 1 : 0,
                    autoclose: true, todayHighlight: true, forceParse: false});
    box.find("input").attr("placeholder", box.find("input").attr("placeholder") || "2021-09-01").attr("autocomplete", "off");
  });
  document.body.setAttribute("data-dates-ready", "1");
}

/* The pupil picker (app/views/fields.py): <select class="aid-pupil-picker" data-search-url=...>
   searched as one types, with the select2 that Flask-AppBuilder ships. The words typed are posted
   (never in an address); the answer names each pupil with the ID number masked and chooses it by
   its record id. Keyboard: Tab to the box, Enter or ↓ opens it, type, ↑/↓ and Enter choose. */
window.addEventListener("load", function () {
  var $ = window.jQuery;
  if (!$ || !$.fn || !$.fn.select2) { return; }
  $(setUpPupilPickers);
});

function setUpPupilPickers() {
  var $ = window.jQuery;
  var meta = document.querySelector('meta[name="aid-csrf"]');
  var token = meta ? meta.getAttribute("content") : "";
  $("select.aid-pupil-picker").each(function () {
    var box = $(this), say = function (key) { return function () { return box.attr("data-text-" + key); }; };
    box.select2({
      theme: "bootstrap", width: "100%", minimumInputLength: 1, placeholder: box.attr("data-text-placeholder"),
      language: {inputTooShort: say("too-short"), searching: say("searching"), noResults: say("no-results"),
                 errorLoading: say("error")},
      ajax: {
        url: box.attr("data-search-url"), type: "POST", dataType: "json", delay: 250, cache: false,
        headers: {"X-CSRFToken": token},
        data: function (params) { return {q: params.term || ""}; },
        processResults: function (data) { return {results: data.results || []}; }
      }
    });
    /* a key typed on the closed box opens it and starts the search with that key */
    box.next(".select2").find(".select2-selection").on("keypress", function (event) {
      if (event.which < 32 || event.ctrlKey || event.metaKey || event.altKey) { return; }
      event.preventDefault();
      var typed = String.fromCharCode(event.which);
      box.select2("open");
      var field = $(".select2-container--open .select2-search__field");
      field.val(typed).trigger("input");
    });
  });
  document.body.setAttribute("data-pickers-ready", "1");
}
