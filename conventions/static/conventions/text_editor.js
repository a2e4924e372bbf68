// Text editor: the « Insérer » buttons put a variable where the cursor is (in the last field
// the user typed in, else the text), and the search box filters the list of variables.
// Without this script the buttons submit the form and the server adds the variable at the end.
(function () {
  "use strict";

  function setUp(form) {
    var fields = form.querySelectorAll("[data-editor]");
    if (!fields.length) return;
    var target = fields[fields.length - 1]; // the part's text
    fields.forEach(function (field) {
      field.addEventListener("focus", function () { target = field; });
    });

    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-insert]");
      if (!button || !form.contains(button)) return;
      event.preventDefault();
      insert(target, button.getAttribute("data-insert"));
    });

    var filter = form.querySelector("[data-variables-filter]");
    if (filter) {
      filter.closest("[hidden]") && filter.closest("[hidden]").removeAttribute("hidden");
      filter.addEventListener("input", function () { narrow(form, filter.value); });
    }
  }

  function insert(field, placeholder) {
    var start = field.selectionStart, end = field.selectionEnd;
    if (typeof start !== "number") { start = end = field.value.length; }
    var before = field.value.slice(0, start), after = field.value.slice(end);
    var text = placeholder;
    if (before && !/\s$/.test(before)) text = " " + text;
    if (after && !/^[\s.,;:!?)»]/.test(after)) text = text + " ";
    field.value = before + text + after;
    var cursor = before.length + text.length;
    field.focus();
    field.setSelectionRange(cursor, cursor);
    field.dispatchEvent(new Event("input", { bubbles: true })); // refreshes the preview (htmx)
  }

  function simple(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function narrow(form, query) {
    var wanted = simple(query.trim());
    form.querySelectorAll(".variables-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll("[data-variable-label]").forEach(function (item) {
        var match = !wanted || simple(item.getAttribute("data-variable-label")).indexOf(wanted) >= 0;
        item.hidden = !match;
        if (match) shown += 1;
      });
      group.hidden = shown === 0;
      if (wanted && shown) group.open = true;
    });
  }

  document.querySelectorAll("form[data-text-editor]").forEach(setUp);
})();
