/* policykg cascade page: one national resolution, every province's documents carrying it out, and
 * per indicator the province's targets next to the national one, with the flags written out.
 *
 * Plain script, no build step. Data comes from this server only:
 *   GET /api/cascade?document=   the comparison (JSON); &format=csv is the download
 */
(function () {
  "use strict";

  const TEXT = {
    vi: {
      title: "So sánh triển khai theo tỉnh",
      explorer: "Tra cứu",
      deadlines: "Thời hạn nhiệm vụ",
      api: "API",
      langToggle: "English",
      formTitle: "Văn bản cấp trung ương",
      formHint: "Nhập số hiệu một nghị quyết (vd. 57-NQ/TW): bảng cho thấy các văn bản từng tỉnh ban hành để thực hiện, và chỉ tiêu của tỉnh bên cạnh chỉ tiêu cả nước.",
      documentLabel: "Số hiệu hoặc IRI",
      show: "Xem",
      csv: "Tải CSV",
      loading: "Đang tải…",
      failed: "Không thực hiện được",
      didYouMean: "Có phải:",
      nationalDocs: "Văn bản cấp trung ương thực hiện",
      none: "Không có.",
      province: "Tỉnh, thành phố",
      nation: "Cả nước",
      noNational: "Cả nước chưa đặt",
      caption: "Hàng: tỉnh; cột: chỉ tiêu, với chỉ tiêu cả nước ở tiêu đề cột.",
      summary: (p, c, f) => `${p} tỉnh, ${c} chỉ tiêu; ${f} ô có cảnh báo.`,
      comparators: { about: "khoảng", "at-least": "ít nhất", over: "trên", exactly: "", range: "từ", "at-most": "tối đa" },
      to: "đến",
      flags: { none: "Chưa đặt chỉ tiêu", lower: "Thấp hơn cả nước", contradiction: "Mâu thuẫn" },
      flagHelp: {
        none: "cả nước đặt chỉ tiêu, tỉnh không đặt",
        lower: "kém hơn chỉ tiêu cả nước cùng năm (thấp hơn; với “tối đa” là cao hơn)",
        contradiction: "hai chỉ tiêu khác nhau cho cùng chỉ tiêu, địa bàn, năm",
      },
      versus: { stronger: "cao hơn cả nước", same: "bằng cả nước", weaker: "kém hơn cả nước", other_year: "năm khác", other_unit: "đơn vị khác", not_comparable: "không so được", no_national: "" },
      documents: "Văn bản",
      draft: "dự thảo",
    },
    en: {
      title: "Cascade comparison by province",
      explorer: "Explorer",
      deadlines: "Duty deadlines",
      api: "API",
      langToggle: "Tiếng Việt",
      formTitle: "National document",
      formHint: "Enter the number of a resolution (e.g. 57-NQ/TW): the table shows the documents each province issued to carry it out, and the province's targets next to the national ones.",
      documentLabel: "Number or IRI",
      show: "Show",
      csv: "Download CSV",
      loading: "Loading…",
      failed: "Failed",
      didYouMean: "Did you mean:",
      nationalDocs: "National documents carrying it out",
      none: "None.",
      province: "Province",
      nation: "National",
      noNational: "No national target",
      caption: "Rows: provinces; columns: indicators, the national target in each column's header.",
      summary: (p, c, f) => `${p} provinces, ${c} indicators; ${f} flagged cells.`,
      comparators: { about: "about", "at-least": "at least", over: "over", exactly: "", range: "from", "at-most": "at most" },
      to: "to",
      flags: { none: "No target set", lower: "Lower than national", contradiction: "Contradiction" },
      flagHelp: {
        none: "the nation sets a target, the province none",
        lower: "less ambitious than the national target of the same year (lower; higher under “at most”)",
        contradiction: "two different targets for one indicator, place and year",
      },
      versus: { stronger: "above national", same: "same as national", weaker: "weaker than national", other_year: "another year", other_unit: "another unit", not_comparable: "not comparable", no_national: "" },
      documents: "Documents",
      draft: "draft",
    },
  };
  const FLAGS = ["none", "lower", "contradiction"];

  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: window.policykgPage.initialLanguage(params),
    document: params.get("document") || "57-NQ/TW",
    result: null,
  };
  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key];
  const { el, applyLanguage: translatePage, onLanguageToggle, getJSON } = window.policykgPage;

  function number(value) {
    return value === null || value === undefined ? "" : value.toLocaleString(state.lang === "vi" ? "vi-VN" : "en-GB");
  }

  function targetText(target) {
    const word = t("comparators")[target.comparator] || "";
    const value = target.comparator === "range" && target.value_high !== null
      ? `${number(target.value)} ${t("to")} ${number(target.value_high)}` : number(target.value);
    return `${word} ${value}${target.unit ? " " + target.unit : ""}`.trim() + (target.year ? ` (${target.year})` : "");
  }

  function label(thing) {
    return (state.lang === "en" && thing.label_en) || thing.label;
  }

  function documentName(doc) {
    return doc.notation || doc.document_notation || doc.label || doc.document_label || t("draft");
  }

  function flagBadge(flag) {
    return el("span", { class: `flag flag-${flag}`, title: t("flagHelp")[flag] }, `⚠ ${t("flags")[flag]}`);
  }

  function render() {
    const result = state.result;
    if (!result) return;
    $("result").hidden = false;
    $("result-title").textContent = `${result.document.notation || result.document.label} — ${result.document.label || ""}`;
    $("summary").textContent = t("summary")(result.provinces.length, result.indicators.length, result.flag_count);
    $("caption").textContent = t("caption");
    $("legend").replaceChildren(...FLAGS.map((flag) => el("li", {}, flagBadge(flag), ` ${t("flagHelp")[flag]}`)));
    const head = el("tr", {}, el("th", { scope: "col" }, t("province")),
      result.indicators.map((column) => el("th", { scope: "col" },
        label(column),
        el("span", { class: "national" },
          column.national.length
            ? `${t("nation")}: ${column.national.map(targetText).join("; ")}`
            : t("noNational")))));
    $("cascade-table").tHead.replaceChildren(head);
    const rows = result.provinces.map((row) => el("tr", {},
      el("th", { scope: "row" }, label(row.area),
        el("span", { class: "doc" }, el("br"), `${t("documents")}: ${row.documents.map(documentName).join(", ") || "—"}`)),
      row.cells.map((cell) => el("td", { class: cell.flags.length ? "flagged" : null },
        cell.targets.map((target) => el("span", { class: `target ${target.versus_national}` },
          targetText(target),
          t("versus")[target.versus_national] ? ` — ${t("versus")[target.versus_national]}` : "",
          el("span", { class: "doc" }, ` · ${documentName(target)}`))),
        cell.targets.length || cell.flags.length ? null : "—",
        cell.flags.map((flag) => [el("br"), flagBadge(flag)])))));
    $("cascade-table").tBodies[0].replaceChildren(...rows);
    const national = result.national_documents.map((doc) => el("li", {}, `${documentName(doc)} — ${doc.label || ""}`));
    $("national-docs").replaceChildren(...(national.length ? national : [el("li", {}, t("none"))]));
  }

  async function load() {
    const name = state.document.trim();
    if (!name) return;
    const query = new URLSearchParams({ document: name });
    $("csv-link").href = `/api/cascade?${query}&format=csv`;
    state.result = await getJSON(`/api/cascade?${query}`, $("status"), t, (o) => o.notation || o.iri);
    $("result").hidden = $("csv-link").hidden = !state.result;
    render();
  }

  function applyLanguage() {
    translatePage(state.lang, t);
    render();
  }


  function remember() {
    const query = new URLSearchParams(window.location.search);
    query.set("document", state.document);
    if (state.lang === "en") query.set("lang", "en"); else query.delete("lang");
    history.replaceState(null, "", `${window.location.pathname}?${query}`);
  }

  $("document").value = state.document;
  $("cascade-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.document = $("document").value;
    remember();
    load();
  });
  onLanguageToggle(state, () => {
    remember();
    applyLanguage();
  });
  applyLanguage();
  load();
})();
