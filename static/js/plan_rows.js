// Rows of the guided plan editor (years, shares, the parties of a split share) added and
// removed in place, without reloading the page. Progressive enhancement: without this script
// the « Ajouter » buttons submit the form (the draft is kept and the page comes back with one
// more blank row) and « Retirer » is a checkbox applied on saving.
(function () {
  "use strict";

  function refreshPreview(element) {
    // The live preview (htmx) listens to input and change events bubbling up.
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function enhanceRemoval(root) {
    root.querySelectorAll("label.row-delete").forEach(function (label) {
      if (label.dataset.enhanced) {
        return;
      }
      var checkbox = label.querySelector("input[type=checkbox]");
      var row = label.closest("[data-row]");
      if (!checkbox || !row) {
        return;
      }
      label.dataset.enhanced = "1";
      label.hidden = true;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = label.textContent.trim() || "Retirer";
      button.addEventListener("click", function () {
        checkbox.checked = true;
        row.hidden = true;
        // Tell screen readers where the focus goes: the add button of the same list.
        var list = row.parentElement;
        refreshPreview(list);
        var status = document.getElementById("plan-rows-status");
        if (status) {
          status.textContent = "Ligne retirée (appliqué à l'enregistrement).";
        }
      });
      label.insertAdjacentElement("afterend", button);
    });
  }

  // The fields each rule uses; the others are hidden and disabled (a disabled field is not
  // submitted, so a value typed before changing the rule is neither refused nor lost).
  var RULE_FIELDS = {
    fixed: ["amount", "by_year"],
    percent_of_cost: ["percent", "cap", "by_year", "by_rank"],
    percent_of_remainder: ["percent"],
    remainder: []
  };
  var SHARE_FIELDS = ["amount", "percent", "cap", "by_year", "by_rank"];

  function showRuleFields(share) {
    var rule = share.querySelector("select[name$='-rule']");
    if (!rule) {
      return;
    }
    var used = RULE_FIELDS[rule.value];
    SHARE_FIELDS.forEach(function (name) {
      var input = share.querySelector("[name$='-" + name + "']");
      if (!input) {
        return;
      }
      var box = input.closest(".field") || input;
      var shown = !used || used.indexOf(name) !== -1;
      box.hidden = !shown;
      input.disabled = !shown;
    });
  }

  function toggleSplit(share) {
    var party = share.querySelector("select[name$='-party']");
    var details = share.querySelector("details[data-split]");
    if (!party || !details) {
      return;
    }
    var split = party.value === "__repartie__";
    details.hidden = !split;
    if (split) {
      details.open = true;
    }
  }

  function addRow(button) {
    var prefix = button.dataset.addRow;
    var placeholder = button.dataset.placeholder || "__prefix__";
    var template = document.getElementById("tpl-" + prefix);
    var rows = document.getElementById("rows-" + prefix);
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !rows || !total) {
      return false;
    }
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.split(placeholder).join(String(index));
    var holder = document.createElement(rows.tagName === "TBODY" ? "tbody" : "div");
    holder.innerHTML = html;
    var added = [];
    while (holder.firstElementChild) {
      added.push(holder.firstElementChild);
      rows.appendChild(holder.firstElementChild);
    }
    total.value = String(index + 1);
    added.forEach(function (element) {
      enhance(element);
    });
    var first = added.length ? added[0].querySelector("input, select") : null;
    if (first) {
      first.focus();
    }
    var status = document.getElementById("plan-rows-status");
    if (status) {
      status.textContent = "Ligne ajoutée.";
    }
    refreshPreview(rows);
    return true;
  }

  function enhance(root) {
    enhanceRemoval(root);
    root.querySelectorAll("fieldset.plan-share").forEach(function (share) {
      var party = share.querySelector("select[name$='-party']");
      var rule = share.querySelector("select[name$='-rule']");
      if (party && !party.dataset.enhanced) {
        party.dataset.enhanced = "1";
        party.addEventListener("change", function () {
          toggleSplit(share);
        });
        toggleSplit(share);
      }
      if (rule && !rule.dataset.enhanced) {
        rule.dataset.enhanced = "1";
        rule.addEventListener("change", function () {
          showRuleFields(share);
        });
        showRuleFields(share);
      }
    });
    if (root.matches && root.matches("fieldset.plan-share")) {
      enhance(root.parentElement || document);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-add-row]");
    if (button && addRow(button)) {
      event.preventDefault();
    }
  });

  function start() {
    var editor = document.querySelector(".plan-editor");
    if (!editor) {
      return;
    }
    var status = document.createElement("p");
    status.id = "plan-rows-status";
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    editor.appendChild(status);
    enhance(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
