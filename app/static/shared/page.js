/* What the pages of policykg share (the explorer at /, the review page at /curate): building
 * elements, status lines, the detail of an error answer, the language of the static text
 * (elements marked data-i18n, data-i18n-placeholder, data-i18n-aria) and its toggle, and JSON
 * requests whose errors are shown on a status line. Plain script, no build step.
 */
(function () {
  "use strict";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child !== undefined && child !== null && child !== false) node.append(child);
    }
    return node;
  }

  function showStatus(target, text, isError) {
    target.textContent = text;
    target.classList.toggle("error", Boolean(isError));
  }

  function detailText(body, response) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    return `HTTP ${response.status}`;
  }

  // The static text in the language of `t` (a key → text function).
  function translate(lang, t) {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      const value = t(node.dataset.i18n);
      if (typeof value === "string") node.textContent = value;
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    });
    document.querySelectorAll("[data-i18n-aria]").forEach((node) => {
      node.setAttribute("aria-label", t(node.dataset.i18nAria));
    });
  }

  // The language a page opens in: ?lang=en, else the one last chosen on any page, else Vietnamese.
  function initialLanguage(params) {
    const asked = params.get("lang");
    return asked === "en" || (!asked && localStorage.getItem("policykg-lang") === "en") ? "en" : "vi";
  }

  function initialLang() {
    return initialLanguage(new URLSearchParams(window.location.search));
  }

  // The static text in `lang`, and the toggle (#lang-toggle) offering the other language.
  function showLanguage(lang, t) {
    translate(lang, t);
    const toggle = document.getElementById("lang-toggle");
    if (toggle) {
      toggle.textContent = t("langToggle");
      toggle.setAttribute("aria-pressed", String(lang === "en"));
    }
  }

  // showLanguage, and the title; `t` needs "title" and "langToggle".
  function applyLanguage(lang, t) {
    showLanguage(lang, t);
    document.title = `policykg — ${t("title")}`;
  }

  // The toggle flips `state.lang`, remembers it for the other pages and calls `changed`.
  function onLanguageToggle(state, changed) {
    document.getElementById("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi";
      localStorage.setItem("policykg-lang", state.lang);
      changed();
    });
  }

  // GET a JSON answer, or null after saying on `status` what went wrong (with the server's
  // suggestions or candidates, named by `name`); `t` needs "loading", "failed" and "didYouMean".
  async function getJSON(url, status, t, name) {
    showStatus(status, t("loading"));
    let response;
    let body = null;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
      body = await response.json();
    } catch (error) {
      showStatus(status, `${t("failed")}: ${error}`, true);
      return null;
    }
    if (!response.ok) {
      const options = (body && (body.suggestions || body.candidates)) || [];
      const hint = options.length ? ` ${t("didYouMean")} ${options.map(name).join("; ")}` : "";
      showStatus(status, `${t("failed")}: ${detailText(body, response)}.${hint}`, true);
      return null;
    }
    showStatus(status, "");
    return body;
  }

  window.policykgPage = {
    el, showStatus, detailText, translate, initialLang, showLanguage, initialLanguage, applyLanguage, onLanguageToggle, getJSON,
  };
})();
