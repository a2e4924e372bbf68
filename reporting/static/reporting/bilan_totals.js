/* Bilan entry form: the sums worked out as one types.
 *
 * Each breakdown (femmes + hommes + enfants, public, origine, entretiens) shows its sum beside
 * its total and says whether they agree; the total of the saisines and of the entretiens is
 * filled in from its parts while the person has not typed one. The months, quarters or units
 * of the year show their column sums against the year's figures (and each one's saisines are
 * filled in from its femmes, hommes and enfants the same way). The server checks every rule
 * again when the bilan is saved or sent (reporting/rules.py): this script only says it sooner.
 * Own code, no dependency; loaded with defer (no inline script: the content security policy).
 */
(function () {
  "use strict";

  var NBSP = "\u00a0";

  /* A count as typed: null when blank, NaN when not a whole number ("1 200" is accepted). */
  function parse(input) {
    if (!input) {
      return null;
    }
    var text = input.value.replace(/[\s\u00a0\u202f]/g, "");
    if (text === "") {
      return null;
    }
    return /^\d+$/.test(text) ? parseInt(text, 10) : NaN;
  }

  /* 1200 → "1 200", as the server writes numbers. */
  function format(value) {
    return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  }

  function show(output, text, state) {
    output.textContent = text;
    output.classList.remove("live-ok", "live-warning");
    if (state) {
      output.classList.add("live-" + state);
    }
  }

  function byId(id) {
    return document.getElementById(id);
  }

  /* ``target``: the field just typed in; the total is computed only when it is one of the
     parts (a total being cleared to be typed again is left empty). */
  function updateBreakdown(output, target) {
    var parts = output.dataset.parts.split(" ").map(byId);
    var typed = Boolean(target) && parts.indexOf(target) !== -1;
    var total = byId(output.dataset.total);
    var flag = byId(output.dataset.flag);
    var values = parts.map(parse);
    if (values.some(Number.isNaN)) {
      show(output, "", null);
      return;
    }
    var given = values.filter(function (value) {
      return value !== null;
    });
    if (!given.length) {
      show(output, "", null);
      return;
    }
    var sum = given.reduce(function (a, b) {
      return a + b;
    }, 0);
    var complete = given.length === values.length;
    var words = output.dataset.words + " = " + format(sum);
    var label = output.dataset.totalLabel;
    var computed = total && total.dataset.computed === "1";
    if (
      output.dataset.fills === "1" &&
      typed &&
      complete &&
      total &&
      (total.value.trim() === "" || computed)
    ) {
      total.value = String(sum);
      total.dataset.computed = "1";
      show(output, words + " : " + label + " calculé (modifiable).", "ok");
      return;
    }
    var expected = parse(total);
    if (expected === null || Number.isNaN(expected)) {
      show(output, words + (complete ? "." : " (ventilation incomplète)."), null);
      return;
    }
    if (!complete) {
      if (sum > expected) {
        show(output, words + ", plus que le " + label + " " + format(expected) + ".", "warning");
      } else if (flag && flag.checked) {
        show(output, words + " sur " + format(expected) + " (non ventilé).", null);
      } else {
        show(output, words + " : ventilation incomplète (ou cochez « non ventilé »).", "warning");
      }
      return;
    }
    if (sum === expected) {
      show(output, words + ", égal au " + label + ".", "ok");
    } else {
      var gap = sum - expected;
      show(
        output,
        words + ", différent du " + label + " " + format(expected) +
          " (écart " + (gap > 0 ? "+" : "\u2212") + format(Math.abs(gap)) + ").",
        "warning"
      );
    }
  }

  function updateColumn(output) {
    var column = output.dataset.column;
    var inputs = document.querySelectorAll('input[name^="parts-"][name$="-' + column + '"]');
    var sum = 0;
    var any = false;
    for (var i = 0; i < inputs.length; i += 1) {
      var value = parse(inputs[i]);
      if (Number.isNaN(value)) {
        show(output, "", null);
        return;
      }
      if (value !== null) {
        sum += value;
        any = true;
      }
    }
    if (!any) {
      show(output, "", null);
      return;
    }
    var year = parse(byId(output.dataset.year));
    if (year === null || Number.isNaN(year)) {
      show(output, format(sum), null);
    } else if (year === sum) {
      show(output, format(sum) + " = année", "ok");
    } else {
      show(output, format(sum) + " (année : " + format(year) + ")", "warning");
    }
  }

  /* A month's, quarter's or unit's saisines: filled from its femmes + hommes + enfants when the
     row's own total is blank or was filled this way. */
  function updateRow(row, target) {
    function field(name) {
      return row.querySelector('input[name$="-' + name + '"]');
    }
    var parts = ["referrals_women", "referrals_men", "referrals_children"].map(field);
    var total = field("referrals_total");
    if (!total || parts.indexOf(target) === -1) {
      return;
    }
    var values = parts.map(parse);
    if (values.some(function (value) { return value === null || Number.isNaN(value); })) {
      return;
    }
    if (total.value.trim() === "" || total.dataset.computed === "1") {
      total.value = String(values[0] + values[1] + values[2]);
      total.dataset.computed = "1";
    }
  }

  function updateAll(target) {
    document.querySelectorAll(".parts-table tbody tr").forEach(function (row) {
      updateRow(row, target);
    });
    document.querySelectorAll("output.live-sum").forEach(function (output) {
      updateBreakdown(output, target);
    });
    document.querySelectorAll("output.live-column").forEach(updateColumn);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target && target.dataset && target.dataset.computed === "1") {
      delete target.dataset.computed; // the person's own figure from now on
    }
    updateAll(target);
  });
  document.addEventListener("change", function () {
    updateAll(null);
  });
  updateAll(null);
})();
