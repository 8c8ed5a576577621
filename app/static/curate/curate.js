/* policykg review page: a text in, its extracted items highlighted and reviewed, a draft out, ingested.
 *
 * Plain script, no build step. Data comes from this server only:
 *   POST /api/extract?province=&source=          the summary (text/plain, or multipart with the upload)
 *   GET  /api/extract/agencies?label=&province=  the graph's agencies a name may match
 *   POST /api/extract/draft?source=&province=    the reviewed summary (JSON) → draft TriG
 *   POST /api/ingest?source=&province=           the draft (application/trig), with the bearer token
 * Spans in the summary are code-point offsets (Python str indices); JavaScript strings count UTF-16
 * units, so every span goes through `units` before it touches the text.
 */
(function () {
  "use strict";

  const KINDS = ["documents", "relations", "responsibilities", "targets"];
  const RELATION_KINDS = ["basedOn", "implements", "replaces", "amends", "repeals", "guides", "cites"];
  const ROLES = ["lead", "coordinate", "advise", "assigned"];
  const COMPARATORS = ["about", "at_least", "over", "at_most", "range", "exactly"];
  const DOCUMENT_TYPES = ["NQ", "KH", "QĐ", "CT", "KL", "TB", "CV", "TTr", "NĐ", "TT", "CTr", "ĐA", "HD", "BC", "L", "PL"];
  const DECISIONS = ["accept", "correct", "reject"];
  const SOURCE_NAME = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

  const TEXT = {
    vi: {
      title: "Duyệt bản trích xuất",
      explorer: "Tra cứu",
      api: "API",
      langToggle: "English",
      inputTitle: "1. Văn bản",
      inputHint: "Dán nội dung một văn bản (văn bản thường, markdown hoặc HTML) hoặc tải lên một tệp; bộ trích xuất tìm các văn bản được nêu, quan hệ giữa chúng, cơ quan được giao việc và chỉ tiêu.",
      textLabel: "Nội dung văn bản",
      fileLabel: "Hoặc tải tệp lên (.txt, .md, .html)",
      provinceLabel: "Tỉnh, thành phố",
      provincePlaceholder: "vd. quang-tri hoặc Hà Tĩnh",
      sourceLabel: "Tên nguồn",
      sourcePlaceholder: "vd. ha-tinh-kh-57",
      sourceHint: "Tên nguồn đặt tên cho đồ thị của bản nháp: chữ thường không dấu, số, “-”, “_”, “.”.",
      extractButton: "Trích xuất",
      extracting: "Đang trích xuất…",
      needText: "Hãy dán một văn bản hoặc chọn một tệp.",
      extracted: (counts) => `Tìm thấy ${counts.documents} văn bản, ${counts.relations} quan hệ, ${counts.responsibilities} trách nhiệm, ${counts.targets} chỉ tiêu. Bấm vào phần được tô màu để xem mục tương ứng.`,
      failed: "Không thực hiện được",
      reviewTitle: "2. Duyệt từng mục",
      legend: "Chú giải",
      cleanText: "Văn bản đã làm sạch",
      kinds: { documents: "Văn bản", relations: "Quan hệ", responsibilities: "Trách nhiệm", targets: "Chỉ tiêu" },
      none: "Không có mục nào.",
      decision: "Quyết định",
      decisions: { accept: "Chấp nhận", correct: "Sửa", reject: "Loại bỏ" },
      rejected: "Đã loại bỏ: không có trong bản nháp.",
      showInText: "Xem trong văn bản",
      quote: "Trích",
      fields: {
        notation: "Số hiệu", type: "Loại văn bản", issuer: "Cơ quan ban hành", issuerMatch: "Khớp với cơ quan trong đồ thị",
        date: "Ngày ban hành", title: "Trích yếu", from: "Từ", to: "Đến", kind: "Loại quan hệ",
        agency: "Cơ quan", agencyMatch: "Khớp với cơ quan trong đồ thị", role: "Vai trò", task: "Nhiệm vụ",
        deliverable: "Kết quả", deadline: "Thời hạn (YYYY, YYYY-MM, YYYY-MM-DD)", indicator: "Chỉ số",
        value: "Giá trị", valueHigh: "Giá trị cận trên (khoảng)", unit: "Đơn vị", comparator: "So sánh", year: "Năm",
      },
      keepNew: "Giữ là cơ quan mới",
      keepAsText: "Giữ như văn bản ghi (chưa khớp)",
      loadingCandidates: "Đang tìm cơ quan…",
      known: "đã có trong đồ thị",
      isNew: "mới",
      self: "văn bản này",
      relationKinds: { basedOn: "căn cứ", implements: "thực hiện", replaces: "thay thế", amends: "sửa đổi, bổ sung", repeals: "bãi bỏ", guides: "hướng dẫn", cites: "dẫn chiếu" },
      roles: { lead: "Chủ trì", coordinate: "Phối hợp", advise: "Tham mưu", assigned: "Được giao thực hiện" },
      comparators: { about: "khoảng", at_least: "tối thiểu", over: "trên", at_most: "tối đa", range: "trong khoảng", exactly: "đúng bằng" },
      draftTitle: "3. Bản nháp và nạp vào đồ thị",
      draftHint: "Máy chủ dựng bản nháp TriG từ các mục đã chấp nhận hoặc đã sửa; các mục bị loại bỏ không có trong bản nháp.",
      buildDraft: "Tạo bản nháp",
      building: "Đang tạo bản nháp…",
      needSource: "Hãy đặt tên nguồn (chữ thường không dấu, số, “-”, “_”, “.”) trước khi tạo bản nháp.",
      built: (kept, dropped) => `Bản nháp gồm ${kept} mục` + (dropped ? `; ${dropped} quan hệ bị bỏ vì văn bản của chúng bị loại.` : "."),
      draftLabel: "Bản nháp TriG",
      tokenLabel: "Mã cập nhật (token)",
      ingestButton: "Nạp vào đồ thị",
      ingesting: "Đang nạp…",
      needToken: "Hãy nhập mã cập nhật.",
      ingested: (quads, replaced) => `Đã nạp bản nháp vào đồ thị${replaced ? " (thay nguồn cũ)" : ""}: ${quads ?? "?"} bộ bốn.`,
      line: "dòng",
    },
    en: {
      title: "Review an extraction",
      explorer: "Explore",
      api: "API",
      langToggle: "Tiếng Việt",
      inputTitle: "1. Text",
      inputHint: "Paste the text of a document (plain text, markdown or HTML) or upload a file; the extractor finds the documents it names, how they relate, the agencies given tasks, and the targets.",
      textLabel: "The document's text",
      fileLabel: "Or upload a file (.txt, .md, .html)",
      provinceLabel: "Province",
      provincePlaceholder: "e.g. quang-tri or Hà Tĩnh",
      sourceLabel: "Source name",
      sourcePlaceholder: "e.g. ha-tinh-kh-57",
      sourceHint: "The source name names the draft's graph: lowercase ASCII letters, digits, “-”, “_”, “.”.",
      extractButton: "Extract",
      extracting: "Extracting…",
      needText: "Paste a text or choose a file.",
      extracted: (counts) => `Found ${counts.documents} documents, ${counts.relations} relations, ${counts.responsibilities} responsibilities, ${counts.targets} targets. Click a highlight to see its item.`,
      failed: "Failed",
      reviewTitle: "2. Review each item",
      legend: "Legend",
      cleanText: "The cleaned text",
      kinds: { documents: "Documents", relations: "Relations", responsibilities: "Responsibilities", targets: "Targets" },
      none: "None.",
      decision: "Decision",
      decisions: { accept: "Accept", correct: "Correct", reject: "Reject" },
      rejected: "Rejected: left out of the draft.",
      showInText: "Show in the text",
      quote: "Quote",
      fields: {
        notation: "Number", type: "Document type", issuer: "Issued by", issuerMatch: "Match to an agency of the graph",
        date: "Issue date", title: "Title", from: "From", to: "To", kind: "Relation",
        agency: "Agency", agencyMatch: "Match to an agency of the graph", role: "Role", task: "Task",
        deliverable: "Deliverable", deadline: "Deadline (YYYY, YYYY-MM, YYYY-MM-DD)", indicator: "Indicator",
        value: "Value", valueHigh: "Upper value (range)", unit: "Unit", comparator: "Comparator", year: "Year",
      },
      keepNew: "Keep as a new agency",
      keepAsText: "Keep as written (unmatched)",
      loadingCandidates: "Looking for agencies…",
      known: "in the graph",
      isNew: "new",
      self: "this document",
      relationKinds: { basedOn: "based on", implements: "implements", replaces: "replaces", amends: "amends", repeals: "repeals", guides: "guides", cites: "cites" },
      roles: { lead: "Lead", coordinate: "Coordinate", advise: "Advise", assigned: "Carry out" },
      comparators: { about: "about", at_least: "at least", over: "over", at_most: "at most", range: "range", exactly: "exactly" },
      draftTitle: "3. Draft and ingest",
      draftHint: "The server builds the draft TriG from the accepted and corrected items; rejected items are left out.",
      buildDraft: "Build the draft",
      building: "Building the draft…",
      needSource: "Give the source a name (lowercase ASCII letters, digits, “-”, “_”, “.”) before building the draft.",
      built: (kept, dropped) => `The draft holds ${kept} items` + (dropped ? `; ${dropped} relations were dropped because their document was rejected.` : "."),
      draftLabel: "Draft TriG",
      tokenLabel: "Update token",
      ingestButton: "Ingest into the graph",
      ingesting: "Ingesting…",
      needToken: "Enter the update token.",
      ingested: (quads, replaced) => `The draft is in the graph${replaced ? " (the old source replaced)" : ""}: ${quads ?? "?"} quads.`,
      line: "line",
    },
  };

  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: params.get("lang") === "en" || (!params.get("lang") && localStorage.getItem("policykg-lang") === "en") ? "en" : "vi",
    summary: null,
    items: [],
    focused: null,
    units: [0],
    province: "",
    source: "",
  };
  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key];

  // ------------------------------------------------------------------ helpers

  const { el, showStatus, detailText, translate } = window.policykgPage;

  function slug(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  }

  function clone(value) {
    return JSON.parse(JSON.stringify(value));
  }

  // Code-point offset → UTF-16 offset into the summary's text.
  function unitsOf(text) {
    const units = [0];
    let at = 0;
    for (const ch of text) {
      at += ch.length;
      units.push(at);
    }
    return units;
  }

  function slice(span) {
    return state.summary.text.slice(state.units[span[0]], state.units[span[1]]);
  }

  function spansOf(item) {
    return item.kind === "documents" ? item.record.spans : [item.record.span];
  }

  function nullable(value) {
    const text = (value || "").normalize("NFC").trim();
    return text ? text : null;
  }

  function number(value) {
    const text = (value || "").trim().replace(/\s/g, "").replace(",", ".");
    if (!text) return null;
    const parsed = Number(text);
    return Number.isFinite(parsed) ? parsed : NaN;
  }

  // ------------------------------------------------------------------ language

  function applyLanguage() {
    translate(state.lang, t);
    document.title = `policykg — ${t("title")}`;
    const toggle = $("lang-toggle");
    toggle.textContent = t("langToggle");
    toggle.setAttribute("aria-pressed", String(state.lang === "en"));
    renderLegend();
    if (state.summary) renderItems();
  }

  function renderLegend() {
    $("legend").replaceChildren(...KINDS.map((kind) => el("li", {}, el("span", { class: `swatch k-${kind}` }), t("kinds")[kind])));
  }

  // ------------------------------------------------------------------ extraction

  async function extract() {
    const status = $("status");
    const file = $("file").files[0];
    const text = $("text").value;
    if (!file && !text.trim()) {
      showStatus(status, t("needText"), true);
      return;
    }
    state.province = $("province").value.normalize("NFC").trim();
    if (!$("source").value.trim() && file) $("source").value = slug(file.name.replace(/\.[^.]*$/, ""));
    state.source = $("source").value.trim();
    const query = new URLSearchParams();
    if (state.province) query.set("province", state.province);
    if (state.source) query.set("source", state.source);
    let body;
    const headers = { Accept: "application/json" };
    if (file) {
      body = new FormData();
      body.append("file", file);
    } else {
      body = text.normalize("NFC");
      headers["Content-Type"] = "text/plain; charset=utf-8";
    }
    showStatus(status, t("extracting"));
    $("extract").disabled = true;
    let response;
    let answer;
    try {
      response = await fetch(`/api/extract?${query}`, { method: "POST", headers, body });
      answer = await response.json().catch(() => ({}));
    } catch (error) {
      showStatus(status, `${t("failed")}: ${error.message}`, true);
      return;
    } finally {
      $("extract").disabled = false;
    }
    if (!response.ok) {
      showStatus(status, `${t("failed")}: ${detailText(answer, response)}`, true);
      return;
    }
    load(answer);
  }

  function load(summary) {
    state.summary = summary;
    state.units = unitsOf(summary.text);
    state.focused = null;
    state.items = [];
    for (const kind of KINDS) {
      (summary[kind] || []).forEach((record, index) => {
        state.items.push({ id: `${kind}-${index}`, kind, index, record: clone(record), decision: "accept", candidates: null });
      });
    }
    const counts = Object.fromEntries(KINDS.map((kind) => [kind, (summary[kind] || []).length]));
    showStatus($("status"), t("extracted")(counts));
    $("review-panel").hidden = false;
    $("draft-panel").hidden = false;
    $("draft").value = "";
    $("ingest").disabled = true;
    showStatus($("draft-status"), "");
    showStatus($("ingest-status"), "");
    renderText();
    renderItems();
  }

  // ------------------------------------------------------------------ the text with its highlights

  function renderText() {
    const text = state.summary.text;
    const live = state.items.filter((item) => item.decision !== "reject");
    const cuts = new Set([0, text.length]);
    for (const item of live) for (const span of spansOf(item)) { cuts.add(state.units[span[0]]); cuts.add(state.units[span[1]]); }
    const points = [...cuts].sort((a, b) => a - b);
    const covering = (start, end) => live.filter((item) => spansOf(item).some((span) => state.units[span[0]] <= start && end <= state.units[span[1]]));
    const pieces = [];
    for (let i = 0; i + 1 < points.length; i += 1) {
      const [start, end] = [points[i], points[i + 1]];
      const items = covering(start, end);
      const words = text.slice(start, end);
      if (!items.length) {
        pieces.push(words);
        continue;
      }
      const kinds = [...new Set(items.map((item) => item.kind))];
      pieces.push(el("span", {
        class: ["hl", ...kinds.map((kind) => `k-${kind}`), items.some((item) => item.id === state.focused) ? "focus" : ""].join(" ").trim(),
        "data-items": items.map((item) => item.id).join(" "),
        title: kinds.map((kind) => t("kinds")[kind]).join(", "),
      }, words));
    }
    $("doc-text").replaceChildren(...pieces);
  }

  function narrowest(ids) {
    const items = ids.map((id) => state.items.find((item) => item.id === id)).filter(Boolean);
    const width = (item) => Math.min(...spansOf(item).map((span) => span[1] - span[0]));
    items.sort((a, b) => width(a) - width(b));
    return items[0];
  }

  function focusItem(id, { fromText } = {}) {
    state.focused = id;
    renderText();
    const mark = document.querySelector("#doc-text .hl.focus");
    if (mark && !fromText) mark.scrollIntoView({ block: "center" });
    document.querySelectorAll(".item.active").forEach((node) => node.classList.remove("active"));
    const card = $(`item-${id}`);
    if (card) {
      card.classList.add("active");
      if (fromText) {
        card.scrollIntoView({ block: "nearest" });
        card.focus();
      }
    }
  }

  // ------------------------------------------------------------------ the items

  function renderItems() {
    const list = $("items");
    list.replaceChildren();
    for (const kind of KINDS) {
      const items = state.items.filter((item) => item.kind === kind);
      const section = el("section", { class: `kind kind-${kind}`, "aria-labelledby": `heading-${kind}` },
        el("h3", { id: `heading-${kind}` }, el("span", { class: `swatch k-${kind}` }), `${t("kinds")[kind]} (${items.length})`));
      if (!items.length) section.append(el("p", { class: "hint" }, t("none")));
      items.forEach((item) => section.append(card(item)));
      list.append(section);
    }
  }

  function heading(item) {
    const r = item.record;
    if (item.kind === "documents") return r.notation;
    if (item.kind === "relations") return `${r.from === "self" ? t("self") : r.from} — ${t("relationKinds")[r.kind] || r.kind} → ${r.to}`;
    if (item.kind === "responsibilities") return `${r.agency.label} · ${t("roles")[r.role] || r.role}`;
    const value = r.value_high !== null && r.value_high !== undefined ? `${r.value}–${r.value_high}` : `${r.value}`;
    return `${r.indicator}: ${t("comparators")[r.comparator] || r.comparator} ${value}${r.unit ? ` ${r.unit}` : ""}${r.year ? ` (${r.year})` : ""}`;
  }

  function card(item) {
    const id = item.id;
    const node = el("article", {
      class: `item item-${item.kind}${item.decision === "reject" ? " rejected" : ""}${state.focused === id ? " active" : ""}`,
      id: `item-${id}`, tabindex: "-1", "aria-labelledby": `title-${id}`, "data-decision": item.decision,
    });
    node.append(el("h4", { id: `title-${id}` }, heading(item)));
    node.append(el("blockquote", { class: "quote", "aria-label": t("quote") }, spansOf(item).map((span) => slice(span)).join(" … ")));
    const decision = el("fieldset", { class: "decision" }, el("legend", {}, t("decision")));
    for (const choice of DECISIONS) {
      const input = el("input", {
        type: "radio", name: `decision-${id}`, id: `decision-${id}-${choice}`, value: choice,
        checked: item.decision === choice,
        onchange: () => decide(item, choice),
      });
      decision.append(el("label", { for: `decision-${id}-${choice}`, class: `choice choice-${choice}` }, input, t("decisions")[choice]));
    }
    node.append(decision);
    node.append(el("button", { type: "button", class: "show", onclick: () => focusItem(id) }, t("showInText")));
    if (item.decision === "reject") {
      node.append(el("p", { class: "hint" }, t("rejected")));
    } else {
      const fields = el("fieldset", { class: "fields", disabled: item.decision !== "correct" });
      fields.append(...FIELD_BUILDERS[item.kind](item));
      node.append(fields);
    }
    return node;
  }

  function decide(item, choice) {
    item.decision = choice;
    if (choice === "correct" && item.candidates === null && (item.kind === "documents" || item.kind === "responsibilities")) loadCandidates(item);
    rerender(item, `decision-${item.id}-${choice}`);
  }

  // Re-render after a change, and put the keyboard focus back where it was.
  function rerender(item, focusId) {
    renderText();
    const old = $(`item-${item.id}`);
    const fresh = card(item);
    if (old) old.replaceWith(fresh);
    const target = focusId && $(focusId);
    if (target) target.focus();
  }

  function field(item, key, label, control) {
    const id = `field-${item.id}-${key}`;
    control.id = id;
    control.name = key;
    return el("div", { class: "field" }, el("label", { for: id }, label), control);
  }

  function textInput(value, onchange, attrs) {
    return el("input", { type: "text", value: value === null || value === undefined ? "" : String(value), onchange, ...(attrs || {}) });
  }

  function select(options, value, onchange) {
    const node = el("select", { onchange }, options.map(([key, name]) => el("option", { value: key, selected: key === value }, name)));
    node.value = value;
    return node;
  }

  // A field edited: the record and the card's heading change; the card stays (the keyboard focus moves on).
  function changed(item, apply) {
    return (event) => {
      apply(event.target.value);
      refreshHeading(item);
    };
  }

  function refreshHeading(item) {
    const title = $(`title-${item.id}`);
    if (title) title.textContent = heading(item);
  }

  // The agencies of the graph that the name may be (from the gazetteer), or the name kept unmatched / new.
  function matchOptions(item, current, keepChoice) {
    const options = [["", keepChoice]];
    const seen = new Set([""]);
    for (const candidate of item.candidates || []) {
      if (seen.has(candidate.iri)) continue;
      seen.add(candidate.iri);
      options.push([candidate.iri, `${candidate.label} (${t("known")})`]);
    }
    if (current && !seen.has(current)) options.push([current, current]);
    return options.map(([key, name]) => el("option", { value: key, selected: key === (current || "") }, name));
  }

  function matchSelect(item, current, keepChoice) {
    const node = el("select", {}, matchOptions(item, current, keepChoice));
    node.value = current || "";
    return node;
  }

  function matchOf(item) {
    if (item.kind === "documents") return [$(`field-${item.id}-issuerMatch`), item.record.issuer && item.record.issuer.iri, t("keepAsText")];
    const agency = item.record.agency;
    return [$(`field-${item.id}-agencyMatch`), agency.iri && !agency.new ? agency.iri : "", t("keepNew")];
  }

  async function loadCandidates(item) {
    const label = item.kind === "documents" ? (item.record.issuer && item.record.issuer.label) : item.record.agency.label;
    item.candidates = [];
    if (!label) return;
    const query = new URLSearchParams({ label });
    if (state.province) query.set("province", state.province);
    try {
      const response = await fetch(`/api/extract/agencies?${query}`, { headers: { Accept: "application/json" } });
      item.candidates = response.ok ? await response.json() : [];
    } catch (error) {
      item.candidates = [];
    }
    // Only the options change: the focus and what is being typed elsewhere stay.
    const [node, current, keepChoice] = matchOf(item);
    if (node) {
      node.replaceChildren(...matchOptions(item, current, keepChoice));
      node.value = current || "";
    }
  }

  const FIELD_BUILDERS = {
    documents(item) {
      const r = item.record;
      const f = TEXT[state.lang].fields;
      const issuer = r.issuer || { label: "", iri: null };
      const match = matchSelect(item, issuer.iri, t("keepAsText"));
      match.addEventListener("change", changed(item, (value) => {
        const chosen = (item.candidates || []).find((candidate) => candidate.iri === value);
        const label = (r.issuer && r.issuer.label) || (chosen && chosen.label);
        r.issuer = label ? { label, iri: value || null } : null;
      }));
      const types = DOCUMENT_TYPES.includes(r.type) || !r.type ? DOCUMENT_TYPES : [r.type, ...DOCUMENT_TYPES];
      return [
        field(item, "notation", f.notation, textInput(r.notation, changed(item, (value) => renameDocument(r, value.normalize("NFC").trim())), { required: true })),
        field(item, "type", f.type, select([["", "—"], ...types.map((code) => [code, code])], r.type || "", changed(item, (value) => { r.type = value || null; }))),
        field(item, "issuer", f.issuer, textInput(issuer.label, changed(item, (value) => {
          r.issuer = nullable(value) ? { label: nullable(value), iri: r.issuer ? r.issuer.iri : null } : null;
          item.candidates = null;
          loadCandidates(item);
        }))),
        field(item, "issuerMatch", f.issuerMatch, match),
        field(item, "date", f.date, el("input", { type: "date", value: r.date || "", onchange: changed(item, (value) => { r.date = value || null; }) })),
        field(item, "title", f.title, textInput(r.title, changed(item, (value) => { r.title = nullable(value); }))),
      ];
    },
    relations(item) {
      const r = item.record;
      const f = TEXT[state.lang].fields;
      return [
        field(item, "kind", f.kind, select(RELATION_KINDS.map((kind) => [kind, `${t("relationKinds")[kind]} (${kind})`]), r.kind,
          changed(item, (value) => { r.kind = value; }))),
      ];
    },
    responsibilities(item) {
      const r = item.record;
      const f = TEXT[state.lang].fields;
      const match = matchSelect(item, r.agency.iri && !r.agency.new ? r.agency.iri : "", t("keepNew"));
      match.addEventListener("change", changed(item, (value) => {
        r.agency = value ? { ...r.agency, iri: value, new: false } : { ...r.agency, iri: item.proposed || null, new: true };
      }));
      if (r.agency.new && item.proposed === undefined) item.proposed = r.agency.iri;
      return [
        field(item, "agency", f.agency, textInput(r.agency.label, changed(item, (value) => {
          r.agency = { ...r.agency, label: value.normalize("NFC").trim() || r.agency.label };
          item.candidates = null;
          loadCandidates(item);
        }))),
        field(item, "agencyMatch", f.agencyMatch, match),
        field(item, "role", f.role, select(ROLES.map((role) => [role, `${t("roles")[role]} (${role})`]), r.role, changed(item, (value) => { r.role = value; }))),
        field(item, "task", f.task, el("textarea", { rows: "3", onchange: changed(item, (value) => { r.task = value.normalize("NFC").trim() || r.task; }) }, r.task)),
        field(item, "deliverable", f.deliverable, textInput(r.deliverable, changed(item, (value) => { r.deliverable = nullable(value); }))),
        field(item, "deadline", f.deadline, textInput(r.deadline, changed(item, (value) => { r.deadline = nullable(value); }), { pattern: "\\d{4}(-\\d{2}(-\\d{2})?)?" })),
      ];
    },
    targets(item) {
      const r = item.record;
      const f = TEXT[state.lang].fields;
      const numeric = (value) => textInput(value, null, { inputmode: "decimal" });
      const value = numeric(r.value);
      value.addEventListener("change", changed(item, (text) => { const n = number(text); if (n !== null && !Number.isNaN(n)) r.value = n; }));
      const high = numeric(r.value_high);
      high.addEventListener("change", changed(item, (text) => { const n = number(text); r.value_high = Number.isNaN(n) ? r.value_high : n; }));
      const year = el("input", { type: "number", min: "1900", max: "2200", step: "1", value: r.year === null ? "" : String(r.year) });
      year.addEventListener("change", changed(item, (text) => { r.year = text ? Number.parseInt(text, 10) : null; }));
      return [
        field(item, "indicator", f.indicator, textInput(r.indicator, changed(item, (text) => { r.indicator = text.normalize("NFC").trim() || r.indicator; }))),
        field(item, "comparator", f.comparator, select(COMPARATORS.map((c) => [c, `${t("comparators")[c]} (${c})`]), r.comparator,
          changed(item, (text) => { r.comparator = text; }))),
        field(item, "value", f.value, value),
        field(item, "valueHigh", f.valueHigh, high),
        field(item, "unit", f.unit, textInput(r.unit, changed(item, (text) => { r.unit = text.trim(); }))),
        field(item, "year", f.year, year),
      ];
    },
  };

  // A corrected number: the relations naming the document follow it.
  function renameDocument(record, notation) {
    if (!notation || notation === record.notation) return;
    for (const item of state.items) {
      if (item.kind !== "relations") continue;
      if (item.record.from === record.notation) item.record.from = notation;
      if (item.record.to === record.notation) item.record.to = notation;
    }
    record.notation = notation;
    state.items.filter((item) => item.kind === "relations").forEach(refreshHeading);
  }

  // ------------------------------------------------------------------ the reviewed summary, the draft, the ingest

  function reviewed() {
    const kept = (kind) => state.items.filter((item) => item.kind === kind && item.decision !== "reject").map((item) => clone(item.record));
    const documents = kept("documents");
    const notations = new Set(documents.map((d) => d.notation));
    const allRelations = kept("relations");
    const relations = allRelations.filter((r) => (r.from === "self" || notations.has(r.from)) && notations.has(r.to));
    const summary = {
      text: state.summary.text,
      self: state.summary.self,
      documents,
      relations,
      responsibilities: kept("responsibilities"),
      targets: kept("targets"),
      draft: "",
      warnings: state.summary.warnings || [],
    };
    return { summary, dropped: allRelations.length - relations.length };
  }

  async function buildDraft() {
    const status = $("draft-status");
    const source = $("source").value.trim();
    if (!SOURCE_NAME.test(source)) {
      showStatus(status, t("needSource"), true);
      $("source").focus();
      return;
    }
    state.source = source;
    state.province = $("province").value.normalize("NFC").trim();
    const { summary, dropped } = reviewed();
    const query = new URLSearchParams({ source });
    if (state.province) query.set("province", state.province);
    showStatus(status, t("building"));
    let response;
    let text;
    try {
      response = await fetch(`/api/extract/draft?${query}`, {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/trig" }, body: JSON.stringify(summary),
      });
      text = await response.text();
    } catch (error) {
      showStatus(status, `${t("failed")}: ${error.message}`, true);
      return;
    }
    if (!response.ok) {
      let body = {};
      try { body = JSON.parse(text); } catch (error) { body = {}; }
      showStatus(status, `${t("failed")}: ${detailText(body, response)}`, true);
      return;
    }
    $("draft").value = text;
    $("ingest").disabled = false;
    const count = summary.documents.length + summary.relations.length + summary.responsibilities.length + summary.targets.length;
    showStatus(status, t("built")(count, dropped));
  }

  async function ingest() {
    const status = $("ingest-status");
    const token = $("token").value.trim();
    if (!token) {
      showStatus(status, t("needToken"), true);
      $("token").focus();
      return;
    }
    const query = new URLSearchParams({ source: state.source });
    if (state.province) query.set("province", state.province);
    showStatus(status, t("ingesting"));
    let response;
    let body;
    try {
      response = await fetch(`/api/ingest?${query}`, {
        method: "POST",
        headers: { "Content-Type": "application/trig", Accept: "application/json", Authorization: `Bearer ${token}` },
        body: $("draft").value,
      });
      body = await response.json().catch(() => ({}));
    } catch (error) {
      showStatus(status, `${t("failed")}: ${error.message}`, true);
      return;
    }
    if (!response.ok) {
      // A draft that breaks a shape: nothing was written, and each violation says what and where.
      const violations = Array.isArray(body.violations) ? body.violations : [];
      const listed = violations.map((v) => `${v.message}${v.focus ? ` <${v.focus}>` : ""}${v.line ? ` (${t("line")} ${v.line})` : ""}`);
      showStatus(status, `${t("failed")}: ${listed.length ? listed.join("; ") : detailText(body, response)}`, true);
      return;
    }
    showStatus(status, t("ingested")(body.quads, body.replaced));
  }

  // ------------------------------------------------------------------ start

  function init() {
    $("extract-form").addEventListener("submit", (event) => {
      event.preventDefault();
      extract();
    });
    $("doc-text").addEventListener("click", (event) => {
      const mark = event.target.closest(".hl");
      if (!mark) return;
      const item = narrowest(mark.dataset.items.split(" "));
      if (item) focusItem(item.id, { fromText: true });
    });
    $("build-draft").addEventListener("click", buildDraft);
    $("ingest").addEventListener("click", ingest);
    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi";
      localStorage.setItem("policykg-lang", state.lang);
      const query = new URLSearchParams(window.location.search);
      if (state.lang === "en") query.set("lang", "en"); else query.delete("lang");
      window.history.replaceState(null, "", `/curate${query.toString() ? `?${query}` : ""}`);
      applyLanguage();
    });
    if (params.get("province")) $("province").value = params.get("province");
    if (params.get("source")) $("source").value = params.get("source");
    applyLanguage();
  }

  // For tests and the console: the reviewed summary as it would be sent.
  window.policykgCurate = { reviewed: () => reviewed().summary, state };
  init();
})();
