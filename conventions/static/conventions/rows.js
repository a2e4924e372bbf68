// Rows of a Django formset added in place: each <fieldset data-rows="PREFIX"> holds a
// <template> with the empty form (its fields named PREFIX-__prefix__-…) and a button that
// appends it as a new row, numbered from PREFIX-TOTAL_FORMS. Without JavaScript the empty
// rows the page already shows remain, and saving offers more.
(function () {
  "use strict";
  function setUp(fieldset) {
    var prefix = fieldset.getAttribute("data-rows");
    var total = fieldset.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = fieldset.querySelector("template");
    var body = fieldset.querySelector("tbody");
    var button = fieldset.querySelector("[data-add-row]");
    if (!total || !template || !body || !button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = body.lastElementChild;
      var field = row && row.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    });
  }
  document.querySelectorAll("fieldset[data-rows]").forEach(setUp);
})();
