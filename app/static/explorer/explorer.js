/* policykg explorer: "who is responsible for X" cards and a layered lineage graph.
 *
 * Plain script, no build step. Data comes from this server only:
 *   GET /api/responsible?q=&limit=   search results (cards)
 *   GET /api/export?format=cytoscape&root=&direction=&depth=&max_elements=   the graph
 *   … &view=documents   the cascade view: documents and issuers, with task and agency counts
 * The cascade view is laid out in rows by level (cascadeLayout); the full graph in layers (national documents at the top, the documents carrying
 * them out below, their task groups and tasks, and the responsible agencies at the bottom) and
 * drawn with the vendored cytoscape.js; window.cy exposes it (tests read its model).
 */
(function () {
  "use strict";

  const POLID = "https://w3id.org/policykg/id/";
  // What the browser is asked to draw at most; a larger selection is refused by the server (413)
  // with a message, rather than freezing the page. ?max= overrides it (for slower machines).
  const DEFAULT_MAX_ELEMENTS = 1500;
  const MAX_DEPTH = 10;
  const EXPORT_FORMATS = ["graphml", "gexf", "cytoscape", "nodelink", "dot", "mermaid", "jsonld", "turtle", "trig", "csv"];

  const TEXT = {
    vi: {
      tagline: "Ai chịu trách nhiệm thực hiện chính sách?",
      api: "API",
      langToggle: "English",
      searchLabel: "Ai chịu trách nhiệm về…",
      searchPlaceholder: "Ai chịu trách nhiệm về… (vd. trung tâm đổi mới sáng tạo)",
      searchButton: "Tìm",
      resultsTitle: "Kết quả",
      resultsHint: "Nhập một việc cần làm để xem cơ quan chủ trì, phối hợp, tham mưu và chuỗi văn bản giao việc.",
      searching: "Đang tìm…",
      found: (n, q) => `${n} kết quả cho “${q}”.`,
      none: (q) => `Không tìm thấy ai được giao việc “${q}”.`,
      searchMissing: "Chức năng tìm kiếm (/api/responsible) chưa có trên máy chủ này.",
      searchFailed: "Tìm kiếm thất bại",
      graphTitle: "Sơ đồ dòng văn bản",
      direction: "Chiều",
      both: "Cả hai chiều",
      up: "Lên (văn bản được thực hiện)",
      down: "Xuống (văn bản thực hiện)",
      depth: "Số cấp",
      fit: "Vừa khung",
      png: "Tải PNG",
      svg: "Tải SVG",
      exportAs: "Xuất dữ liệu",
      download: "Tải xuống",
      loading: "Đang tải sơ đồ…",
      drawn: (n, e, title) => `${title}: ${n} nút, ${e} cạnh. Kéo để di chuyển, cuộn để phóng to.`,
      lineageOf: (d) => `Dòng văn bản của ${d}`,
      tooLarge: "Phần được chọn quá lớn để vẽ trong trình duyệt",
      narrowUp: "Chỉ xem chiều lên",
      narrowDepth: "Chỉ xem 1 cấp",
      notFound: "Không tìm thấy văn bản",
      ambiguous: "Số hiệu này trùng ở nhiều văn bản, hãy chọn một",
      didYouMean: "Có phải:",
      graphFailed: "Không tải được sơ đồ",
      noGraph: "Chọn một kết quả hoặc một văn bản để xem sơ đồ.",
      task: "Nhiệm vụ",
      chain: "Chuỗi văn bản",
      document: "Văn bản",
      source: "Nguồn",
      openGraph: "Xem sơ đồ",
      close: "Đóng",
      openLineage: "Xem dòng văn bản này",
      resourcePage: "Trang dữ liệu",
      fields: { kind: "Loại", notation: "Số hiệu", date: "Ngày", issuer: "Cơ quan ban hành", jurisdiction: "Địa bàn", level: "Cấp", status: "Tình trạng", tasks: "Nhiệm vụ", agencies: "Cơ quan thực hiện", label_en: "Tiếng Anh" },
      kinds: { document: "Văn bản", objective: "Mục tiêu", "task-group": "Nhóm nhiệm vụ", task: "Nhiệm vụ", target: "Chỉ tiêu", agency: "Cơ quan", indicator: "Chỉ số", meeting: "Hội nghị", person: "Người" },
      types: { Resolution: "Nghị quyết", Plan: "Kế hoạch", ActionProgramme: "Chương trình hành động", Scheme: "Đề án", OfficialLetter: "Công văn",
        Programme: "Chương trình", Decision: "Quyết định", Directive: "Chỉ thị", Conclusion: "Kết luận", Decree: "Nghị định", Circular: "Thông tư",
        Law: "Luật", Ordinance: "Pháp lệnh", Submission: "Tờ trình", Notice: "Thông báo", Report: "Báo cáo", Guidance: "Hướng dẫn" },
      draft: "dự thảo",
      view: "Hiển thị",
      viewFull: "Đầy đủ (nhiệm vụ, cơ quan)",
      viewDocuments: "Tầng văn bản (chỉ văn bản)",
      counts: (tasks, agencies) => `${tasks} nhiệm vụ · ${agencies} cơ quan`,
      cascadeOf: (d) => `Tầng văn bản của ${d}`,
      readable: "Đang phóng ở cỡ chữ đọc được; bấm “Vừa khung” để xem toàn bộ.",
      tableSummary: "Bảng các nút của sơ đồ (đọc được bằng bàn phím và trình đọc màn hình)",
      tableCaption: (title) => `Các nút của sơ đồ: ${title}`,
      columns: { notation: "Số hiệu", label: "Tên", kind: "Loại", level: "Cấp", jurisdiction: "Địa bàn", issuer: "Cơ quan ban hành", tasks: "Nhiệm vụ", agencies: "Cơ quan" },
      resultsTools: "Cách hiển thị kết quả",
      resultsCards: "Thẻ",
      resultsTable: "Bảng",
      resultsCsv: "Tải CSV",
      resultColumns: { agency: "Cơ quan", role: "Vai trò", task: "Nhiệm vụ", document: "Văn bản giao việc", chain: "Chuỗi văn bản" },
      documentFound: "Văn bản có số hiệu này",
      documentsFound: "Các văn bản có số hiệu này",
      openCascade: "Xem tầng văn bản",
      openFull: "Xem dòng văn bản đầy đủ",
      showTasks: (n) => `Mở ${n} nhiệm vụ và cơ quan`,
      loadingTasks: "Đang tải nhiệm vụ…",
      noTasks: "Dữ liệu chưa có nhiệm vụ nào của văn bản này.",
      tasksOf: "Nhiệm vụ và cơ quan thực hiện",
      statuses: { issued: "Đã ban hành", draft: "Dự thảo" },
      levels: { national: "Trung ương", provincial: "Cấp tỉnh", district: "Cấp huyện", commune: "Cấp xã" },
    },
    en: {
      tagline: "Who is responsible for carrying out policy?",
      api: "API",
      langToggle: "Tiếng Việt",
      searchLabel: "Who is responsible for…",
      searchPlaceholder: "Who is responsible for… (e.g. trung tâm đổi mới sáng tạo)",
      searchButton: "Search",
      resultsTitle: "Results",
      resultsHint: "Type a piece of work to see who leads, coordinates and advises, and the chain of documents that assigns it.",
      searching: "Searching…",
      found: (n, q) => `${n} result${n === 1 ? "" : "s"} for “${q}”.`,
      none: (q) => `Nobody is assigned “${q}”.`,
      searchMissing: "Search (/api/responsible) is not available on this server yet.",
      searchFailed: "Search failed",
      graphTitle: "Document lineage",
      direction: "Direction",
      both: "Both ways",
      up: "Up (what it carries out)",
      down: "Down (what carries it out)",
      depth: "Levels",
      fit: "Fit",
      png: "PNG",
      svg: "SVG",
      exportAs: "Export",
      download: "Download",
      loading: "Loading the graph…",
      drawn: (n, e, title) => `${title}: ${n} nodes, ${e} edges. Drag to pan, scroll to zoom.`,
      lineageOf: (d) => `Lineage of ${d}`,
      tooLarge: "The selection is too large to draw in the browser",
      narrowUp: "Only upwards",
      narrowDepth: "Only 1 level",
      notFound: "No such document",
      ambiguous: "Several documents share this number; pick one",
      didYouMean: "Did you mean:",
      graphFailed: "Could not load the graph",
      noGraph: "Pick a result or a document to see its graph.",
      task: "Task",
      chain: "Chain of documents",
      document: "Document",
      source: "Source",
      openGraph: "Show graph",
      close: "Close",
      openLineage: "Show this document's lineage",
      resourcePage: "Data page",
      fields: { kind: "Kind", notation: "Number", date: "Date", issuer: "Issued by", jurisdiction: "Area", level: "Level", status: "Status", tasks: "Tasks", agencies: "Agencies carrying them out", label_en: "Vietnamese" },
      kinds: { document: "Document", objective: "Objective", "task-group": "Task group", task: "Task", target: "Target", agency: "Agency", indicator: "Indicator", meeting: "Meeting", person: "Person" },
      types: { Resolution: "Resolution", Plan: "Plan", ActionProgramme: "Action programme", Scheme: "Scheme", OfficialLetter: "Official letter",
        Programme: "Programme", Decision: "Decision", Directive: "Directive", Conclusion: "Conclusion", Decree: "Decree", Circular: "Circular",
        Law: "Law", Ordinance: "Ordinance", Submission: "Submission", Notice: "Notice", Report: "Report", Guidance: "Guidance" },
      draft: "draft",
      view: "View",
      viewFull: "Full (tasks, agencies)",
      viewDocuments: "Cascade (documents only)",
      counts: (tasks, agencies) => `${tasks} task${tasks === 1 ? "" : "s"} · ${agencies} agenc${agencies === 1 ? "y" : "ies"}`,
      cascadeOf: (d) => `Cascade of ${d}`,
      readable: "Zoomed to a readable size; “Fit” shows everything.",
      tableSummary: "Table of the graph's nodes (for keyboards and screen readers)",
      tableCaption: (title) => `Nodes of the graph: ${title}`,
      columns: { notation: "Number", label: "Name", kind: "Kind", level: "Level", jurisdiction: "Area", issuer: "Issued by", tasks: "Tasks", agencies: "Agencies" },
      resultsTools: "How results are shown",
      resultsCards: "Cards",
      resultsTable: "Table",
      resultsCsv: "Download CSV",
      resultColumns: { agency: "Agency", role: "Role", task: "Task", document: "Assigned by", chain: "Chain of documents" },
      documentFound: "The document with this number",
      documentsFound: "Documents with this number",
      openCascade: "Show its cascade",
      openFull: "Show its full lineage",
      showTasks: (n) => `Open its ${n} task${n === 1 ? "" : "s"} and agencies`,
      loadingTasks: "Loading tasks…",
      noTasks: "The data gives this document no tasks yet.",
      tasksOf: "Tasks and who carries them out",
      statuses: { issued: "Issued", draft: "Draft" },
      levels: { national: "National", provincial: "Provincial", district: "District", commune: "Commune" },
    },
  };
  // Role names as the role scheme (ontology/vocab/schemes.ttl) gives them; "draft" is what
  // /api/responsible reports for the agency drafting a document (pol:draftedBy).
  const ROLES = {
    lead: { vi: "Chủ trì", en: "Lead" },
    coordinate: { vi: "Phối hợp", en: "Coordinate" },
    advise: { vi: "Tham mưu", en: "Advise" },
    assigned: { vi: "Được giao thực hiện", en: "Carry out" },
    draft: { vi: "Soạn thảo", en: "Drafts" },
  };
  const RELATIONS = {
    implements: { vi: "thực hiện", en: "implements" },
    basedOn: { vi: "căn cứ", en: "based on" },
    issuedBy: { vi: "ban hành", en: "issued by" },
    draftedBy: { vi: "soạn thảo", en: "drafted by" },
    hasObjective: { vi: "mục tiêu", en: "objective" },
    hasTarget: { vi: "chỉ tiêu", en: "target" },
    hasTaskGroup: { vi: "nhóm nhiệm vụ", en: "task group" },
    hasTask: { vi: "nhiệm vụ", en: "task" },
    measures: { vi: "đo", en: "measures" },
    concerns: { vi: "liên quan", en: "concerns" },
    assignedAt: { vi: "giao tại", en: "assigned at" },
    discusses: { vi: "bàn về", en: "discusses" },
    organisedBy: { vi: "tổ chức", en: "organised by" },
    chairedBy: { vi: "chủ trì họp", en: "chaired by" },
    subOrganizationOf: { vi: "trực thuộc", en: "part of" },
  };
  const TYPE_COLOURS = {
    Resolution: "#d6604d", Plan: "#f4a582", ActionProgramme: "#fdb863", Scheme: "#fee08b", OfficialLetter: "#e6f598",
  };
  const KIND_STYLE = {
    document: { colour: "#f4a582", shape: "round-rectangle" },
    objective: { colour: "#fddbc7", shape: "ellipse" },
    "task-group": { colour: "#d1e5f0", shape: "round-rectangle" },
    task: { colour: "#92c5de", shape: "round-rectangle" },
    target: { colour: "#e0f3db", shape: "diamond" },
    agency: { colour: "#b2abd2", shape: "hexagon" },
    indicator: { colour: "#a6dba0", shape: "tag" },
    meeting: { colour: "#ffffbf", shape: "round-triangle" },
    person: { colour: "#dfc27d", shape: "ellipse" },
  };
  const ROLE_COLOURS = { lead: "#b2182b", coordinate: "#e08214", advise: "#6a51a3", assigned: "#4d4d4d" };
  // Edges from a container to what it holds: the child sits one layer lower.
  const OWNS = new Set(["hasObjective", "hasTarget", "hasTaskGroup", "hasTask", "measures"]);
  const LINEAGE = new Set(["implements", "basedOn"]);

  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: params.get("lang") === "en" || (!params.get("lang") && localStorage.getItem("policykg-lang") === "en") ? "en" : "vi",
    results: [],
    query: "",
    root: null,
    rootName: "",
    title: "",
    highlight: new Set(),
    // "documents": the cascade view (documents and issuers, tasks and agencies as counts).
    view: params.get("view") === "documents" ? "documents" : "full",
    resultsView: "cards",
    documentHit: null,
    maxElements: Number(params.get("max")) > 0 ? Number(params.get("max")) : DEFAULT_MAX_ELEMENTS,
  };
  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key];

  // ------------------------------------------------------------------ text helpers

  const { el, showStatus, detailText, translate } = window.policykgPage;

  function shorten(text, size) {
    if (!text) return "";
    return text.length <= size ? text : text.slice(0, size - 1).trimEnd() + "…";
  }

  function localPath(iri) {
    // Our IRIs resolve on this server under /id/… (the resource pages), so links stay local.
    return iri && iri.startsWith(POLID) ? "/id/" + iri.slice(POLID.length) : iri;
  }

  function roleBadge(role) {
    const names = ROLES[role];
    const other = state.lang === "vi" ? "en" : "vi";
    if (!names) return el("span", { class: "role" }, role || "?");
    return el("span", { class: `role role-${role}` }, names[state.lang], " ", el("span", { class: "other" }, `· ${names[other]}`));
  }

  function relationText(data) {
    if (data.role && ROLES[data.role]) return ROLES[data.role][state.lang];
    const names = RELATIONS[data.relation];
    return names ? names[state.lang] : data.relation;
  }

  // ------------------------------------------------------------------ language

  function applyLanguage() {
    translate(state.lang, t);
    const toggle = $("lang-toggle");
    toggle.textContent = t("langToggle");
    toggle.setAttribute("aria-pressed", String(state.lang === "en"));
    renderLegend();
    if (state.results.length || state.documentHit) renderResults();
    if (window.cy) {
      window.cy.edges().forEach((edge) => edge.data("display", relationText(edge.data())));
      window.cy.nodes().forEach((node) => node.data("display", displayLabel(node.data())));
      updateGraphStatus();
      renderGraphTable();
      if (!$("details").hidden && state.detailsOf) showDetails(state.detailsOf);
    }
  }

  // ------------------------------------------------------------------ search and cards

  async function search(query) {
    state.query = query;
    const status = $("results-status");
    showStatus(status, t("searching"));
    $("results").replaceChildren();
    state.documentHit = null;
    $("document-hit").replaceChildren();
    syncUrl();
    // A number ("190-KH/TU", "57-NQ/TW") names a document: look it up beside the task search.
    const lookup = /\d/.test(query) ? findDocument(query) : Promise.resolve(null);
    let response;
    try {
      response = await fetch(`/api/responsible?q=${encodeURIComponent(query)}&limit=20`, { headers: { Accept: "application/json" } });
    } catch (error) {
      showStatus(status, `${t("searchFailed")}: ${error.message}`, true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    // FastAPI's own 404 for a route that does not exist (the endpoint is not deployed here).
    if (response.status === 404 && body.detail === "Not Found") {
      showStatus(status, t("searchMissing"), true);
      return;
    }
    if (!response.ok) {
      showStatus(status, `${t("searchFailed")}: ${detailText(body, response)}`, true);
      return;
    }
    state.results = Array.isArray(body.results) ? body.results : [];
    state.documentHit = await lookup;
    renderResults();
  }

  /* The document(s) a number names, from the cascade view of depth 0 (the document, its issuer
   * and its counts); a number several documents share gives the candidates. */
  async function findDocument(query) {
    const url = `/api/export?${new URLSearchParams({ format: "cytoscape", view: "documents", root: query, direction: "down", depth: "0" })}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        const iri = response.headers.get("X-Graph-Root");
        const node = ((body.elements && body.elements.nodes) || []).find((n) => n.data.id === iri);
        return node ? { documents: [node.data] } : null;
      }
      if (response.status === 409 && Array.isArray(body.candidates)) {
        return { documents: body.candidates.map((c) => ({ id: c.iri, kind: "document", notation: c.notation, label: c.label, issuer: c.issuer_label, date: c.date })) };
      }
    } catch (error) {
      // The task search still answers; a failed lookup only means no document box.
    }
    return null;
  }

  function documentBox(hit) {
    const many = hit.documents.length > 1;
    return el("section", { class: "document-hit", "aria-label": many ? t("documentsFound") : t("documentFound") },
      el("h3", {}, many ? t("documentsFound") : t("documentFound")),
      hit.documents.map((doc) => el("article", { class: "card document-card", "data-document": doc.id },
        el("p", { class: "doc-title" }, doc.notation ? el("strong", {}, doc.notation) : null, doc.notation ? " — " : "", doc.label || doc.id),
        el("p", { class: "meta" }, [doc.type ? (t("types")[doc.type] || doc.type) : null, doc.issuer, doc.date, doc.status ? statusText(doc.status) : null,
          doc.tasks !== undefined ? t("counts")(doc.tasks, doc.agencies) : null].filter(Boolean).join(" · ")),
        el("p", { class: "actions" },
          el("button", { type: "button", class: "open-cascade", onclick: () => openLineage(doc.id, { highlight: [doc.id], view: "documents", direction: "down" }) }, t("openCascade")),
          " ",
          el("button", { type: "button", class: "open-full", onclick: () => openLineage(doc.id, { highlight: [doc.id], view: "full" }) }, t("openFull")),
          " ",
          el("a", { href: localPath(doc.id) }, t("resourcePage"))))));
  }

  function statusText(code) {
    return t("statuses")[code] || code;
  }

  function levelText(code) {
    return t("levels")[code] || code;
  }

  function renderResults() {
    const list = $("results");
    const status = $("results-status");
    list.replaceChildren();
    $("document-hit").replaceChildren(...(state.documentHit ? [documentBox(state.documentHit)] : []));
    $("results-tools").hidden = !state.results.length;
    $("results-cards").setAttribute("aria-pressed", String(state.resultsView === "cards"));
    $("results-table").setAttribute("aria-pressed", String(state.resultsView === "table"));
    if (!state.results.length) {
      showStatus(status, t("none")(state.query));
      return;
    }
    showStatus(status, t("found")(state.results.length, state.query));
    if (state.resultsView === "table") list.append(resultsTable());
    else state.results.forEach((result, index) => list.append(card(result, index)));
  }

  // The rows of the results table and of its CSV: one per card.
  function resultRows() {
    return state.results.map((result) => {
      const chain = chainOf(result);
      const doc = result.document || chain[chain.length - 1] || {};
      return {
        agency: (result.agency || {}).label || (result.agency || {}).iri || "",
        agency_iri: (result.agency || {}).iri || "",
        role: result.role || "",
        task: (result.task || {}).label || (result.task || {}).iri || "",
        task_iri: (result.task || {}).iri || "",
        document: doc.notation || doc.label || doc.iri || "",
        document_iri: doc.iri || "",
        chain: chain.map((d) => d.notation || d.label || d.iri).join(" → "),
        sources: (result.sources || []).map((s) => s.title || s.iri).join("; "),
      };
    });
  }

  function resultsTable() {
    const names = t("resultColumns");
    const rows = resultRows();
    return el("div", { class: "table-wrap" }, el("table", { class: "results-table" },
      el("caption", {}, t("found")(rows.length, state.query)),
      el("thead", {}, el("tr", {}, ["agency", "role", "task", "document", "chain"].map((key) => el("th", { scope: "col" }, names[key])))),
      el("tbody", {}, rows.map((row, index) => el("tr", {},
        el("th", { scope: "row" }, row.agency),
        el("td", {}, ROLES[row.role] ? ROLES[row.role][state.lang] : row.role),
        el("td", {}, row.task),
        el("td", {}, row.document_iri
          ? el("button", { type: "button", class: "link", onclick: () => openLineage(row.document_iri, { highlight: [state.results[index].agency && state.results[index].agency.iri, state.results[index].task && state.results[index].task.iri, row.document_iri] }) }, row.document)
          : row.document),
        el("td", {}, row.chain))))));
  }

  function csvCell(value) {
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  // The results as CSV (UTF-8 with a byte-order mark, so spreadsheets read the diacritics).
  function resultsCsv() {
    const rows = resultRows();
    const columns = ["agency", "role", "task", "document", "chain", "sources", "agency_iri", "task_iri", "document_iri"];
    const lines = [columns.join(","), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(","))];
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function downloadResultsCsv() {
    const text = resultsCsv();
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const stem = state.query.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "d").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    saveUrl(url, `policykg-results-${stem || "search"}.csv`);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return text;
  }

  function chainOf(result) {
    // From the top of the chain (a national resolution, when there is one) down to the
    // document that gives the task, each document once.
    const steps = [...(result.lineage || [])].sort((a, b) => (b.depth || 0) - (a.depth || 0));
    if (result.document) steps.push(result.document);
    const seen = new Set();
    return steps.filter((item) => item && item.iri && !seen.has(item.iri) && seen.add(item.iri));
  }

  function card(result, index) {
    const agency = result.agency || {};
    const task = result.task || {};
    const documentIri = (result.document && result.document.iri) || ((result.lineage || [])[0] || {}).iri;
    const open = () => {
      document.querySelectorAll(".card.active").forEach((c) => c.classList.remove("active"));
      node.classList.add("active");
      if (documentIri) openLineage(documentIri, { highlight: [agency.iri, task.iri, documentIri] });
    };
    const chain = chainOf(result);
    const node = el("article", {
      class: "card", tabindex: "0", "data-index": String(index), "data-document": documentIri,
      onclick: (event) => { if (!event.target.closest("a, .chain button")) open(); },
      onkeydown: (event) => { if (event.key === "Enter") open(); },
    },
    el("h3", { class: "agency" }, agency.label || agency.iri || "?"),
    roleBadge(result.role),
    el("p", { class: "task" }, el("strong", {}, `${t("task")}: `), task.label || task.iri || "?"),
    chain.length ? el("ol", { class: "chain", "aria-label": t("chain") },
      chain.map((doc) => el("li", {}, el("button", {
        type: "button", title: doc.label || doc.iri,
        onclick: () => openLineage(doc.iri, { highlight: [doc.iri] }),
      }, doc.notation || shorten(doc.label, 40) || doc.iri)))) : null,
    (result.sources || []).length ? el("p", { class: "meta" }, `${t("source")}: `,
      result.sources.map((s, i) => [i ? "; " : "", el("a", { href: localPath(s.iri), title: s.iri }, s.title || s.iri)])) : null,
    el("button", { type: "button", class: "open", onclick: open }, t("openGraph")));
    return node;
  }

  // ------------------------------------------------------------------ graph loading

  function exportUrl(format, extra) {
    const query = new URLSearchParams({ format, root: state.root, direction: $("direction").value, depth: $("depth").value, ...(extra || {}) });
    if (state.view === "documents") query.set("view", "documents");
    return `/api/export?${query}`;
  }

  async function openLineage(root, options) {
    if (options && options.view) { state.view = options.view; $("view").value = options.view; }
    if (options && options.direction) $("direction").value = options.direction;
    state.root = root;
    state.highlight = new Set((options && options.highlight || []).filter(Boolean));
    syncUrl();
    const message = $("message");
    showStatus(message, t("loading"));
    let response;
    try {
      response = await fetch(exportUrl("cytoscape", { max_elements: state.maxElements }), { headers: { Accept: "application/json" } });
    } catch (error) {
      showStatus(message, `${t("graphFailed")}: ${error.message}`, true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      graphError(response.status, body);
      return;
    }
    // The server resolved a notation to one document: use its IRI from now on.
    state.root = response.headers.get("X-Graph-Root") || root;
    if (!options || !options.highlight || !options.highlight.length) state.highlight.add(state.root);
    syncUrl();
    draw(body);
  }

  function graphError(status, body) {
    const message = $("message");
    const lead = status === 413 ? t("tooLarge") : status === 404 ? t("notFound") : status === 409 ? t("ambiguous") : t("graphFailed");
    const options = body.suggestions || body.candidates || [];
    message.classList.add("error");
    if (!options.length) {
      message.replaceChildren(`${lead}: ${detailText(body, { status })}`);
      if (status === 413) message.append(el("br"), ...narrowerViews());
      return;
    }
    // The server's message lists the same documents; offer them as buttons instead.
    message.replaceChildren(`${lead}: “${state.root}”.`, el("br"), status === 409 ? "" : `${t("didYouMean")} `,
      ...options.map((o) => el("button", { type: "button", title: o.label || o.iri, onclick: () => openLineage(o.iri, { highlight: [o.iri] }) },
        [o.notation, o.issuer_label, o.date].filter(Boolean).join(" — ") || o.label || o.iri)));
  }

  // Smaller views of the same root to offer when the server refuses a selection as too large.
  function narrowerViews() {
    const reload = (direction, depth) => () => {
      $("direction").value = direction;
      $("depth").value = String(depth);
      openLineage(state.root, { highlight: [...state.highlight] });
    };
    const depth = Number($("depth").value);
    const choices = [];
    if ($("direction").value !== "up") choices.push([t("narrowUp"), reload("up", depth)]);
    if (depth > 1) choices.push([t("narrowDepth"), reload($("direction").value, 1)]);
    return choices.map(([label, onclick]) => el("button", { type: "button", onclick }, label));
  }

  // What a node shows: short (the full text is in the tooltip, the details panel and the table).
  function displayLabel(data) {
    if (data.kind === "group") return data.label;
    if (data.kind === "document") {
      const name = data.notation || shorten(data.label, 48);
      const first = data.status === "draft" ? `${name} (${t("draft")})` : name;
      if (data.tasks === undefined) return first;
      const lines = [first];
      if (data.notation) lines.push(shorten(data.label, 46));
      lines.push(t("counts")(data.tasks, data.agencies));
      return lines.join("\n");
    }
    return shorten(data.label, data.kind === "agency" ? 70 : 60);
  }

  function fullText(data) {
    const parts = [data.notation, data.label].filter(Boolean);
    const lines = [parts.join(" — ")];
    const facts = [data.type && data.kind === "document" ? (t("types")[data.type] || data.type) : t("kinds")[data.kind],
      data.jurisdiction, data.status ? statusText(data.status) : null].filter(Boolean);
    if (facts.length) lines.push(facts.join(" · "));
    if (data.tasks !== undefined) lines.push(t("counts")(data.tasks, data.agencies));
    return lines.join("\n");
  }

  function draw(json) {
    let nodes = (json.elements && json.elements.nodes) || [];
    let edges = (json.elements && json.elements.edges) || [];
    let positions;
    const cascade = state.view === "documents";
    if (cascade) ({ nodes, edges, positions } = cascadeLayout(nodes, edges));
    else positions = layeredLayout(nodes, edges);
    const elements = [
      ...nodes.map((n) => ({
        data: { ...n.data, display: displayLabel(n.data) },
        position: positions.get(n.data.id),
        classes: [state.highlight.has(n.data.iri || n.data.id) ? "highlight" : "", n.data.status === "draft" ? "draft" : ""].join(" ").trim(),
      })),
      ...edges.map((e, i) => {
        const from = positions.get(e.data.source);
        const to = positions.get(e.data.target);
        // An edge between nodes of one line would run through the nodes between them: bend it.
        const level = from && to && Math.abs(from.y - to.y) < 1;
        return { data: { ...e.data, id: `e${i}`, display: relationText(e.data) }, classes: level ? "level" : "" };
      }),
    ];
    if (window.cy) window.cy.destroy();
    const cy = cytoscape({
      container: $("graph-canvas"),
      elements,
      layout: { name: "preset", fit: true, padding: 30 },
      style: graphStyle(),
      minZoom: 0.05,
      maxZoom: 4,
    });
    window.cy = cy;
    cy.on("tap", "node", (event) => { if (event.target.data("kind") !== "group") showDetails(event.target.data()); });
    cy.on("tap", (event) => { if (event.target === cy) $("details").hidden = true; });
    cy.on("mouseover", "node", (event) => showTooltip(event.target, event.renderedPosition));
    cy.on("mouseout", "node", () => { $("tooltip").hidden = true; });
    cy.on("viewport", () => { $("tooltip").hidden = true; });
    const root = nodes.find((n) => n.data.id === state.root);
    state.rootName = root ? (root.data.notation || shorten(root.data.label, 60)) : state.root;
    state.zoomedToRead = readableZoom(cy, root ? cy.getElementById(root.data.id) : null);
    ["fit", "png", "svg"].forEach((id) => { $(id).disabled = false; });
    updateExportLink();
    updateGraphStatus();
    renderGraphTable();
    $("details").hidden = true;
    document.body.dataset.graphReady = String(Date.now());
  }

  // Smallest rendered size, in CSS pixels, at which a node's label is drawn on first view.
  const READABLE_PX = 11;

  /* Fitting a large graph shrinks its labels to specks; then zoom in until the document labels
   * are READABLE_PX tall and show the top of the graph around the root. True when it zoomed. */
  function readableZoom(cy, root) {
    const sample = cy.nodes('[kind = "document"]').first();
    const size = sample.nonempty() ? parseFloat(sample.style("font-size")) : 10;
    const wanted = READABLE_PX / size;
    if (cy.zoom() >= wanted) return false;
    cy.zoom(wanted);
    const box = cy.elements().boundingBox();
    const centre = root && root.nonempty() ? root.position("x") : (box.x1 + box.x2) / 2;
    cy.pan({ x: cy.width() / 2 - centre * wanted, y: 30 - box.y1 * wanted });
    return true;
  }

  function showTooltip(node, at) {
    if (node.data("kind") === "group") return;
    const tip = $("tooltip");
    tip.textContent = fullText(node.data());
    tip.style.left = `${Math.round(at.x + 12)}px`;
    tip.style.top = `${Math.round(at.y + 12)}px`;
    tip.hidden = false;
  }

  function updateGraphStatus() {
    if (!window.cy) return;
    state.title = (state.view === "documents" ? t("cascadeOf") : t("lineageOf"))(state.rootName);
    const shown = window.cy.nodes().filter((n) => n.data("kind") !== "group");
    const text = t("drawn")(shown.length, window.cy.edges().length, state.title);
    showStatus($("message"), state.zoomedToRead ? `${text} ${t("readable")}` : text);
  }

  // ------------------------------------------------------------------ the graph as a table

  /* The keyboard's and screen reader's way into the graph: every node in a table, in the order
   * of the drawing (row by row); a row's button opens the node's details. */
  function renderGraphTable() {
    const body = $("graph-table-body");
    if (!window.cy) { body.replaceChildren(); return; }
    const names = t("columns");
    const nodes = window.cy.nodes().filter((n) => n.data("kind") !== "group").sort((a, b) =>
      (a.position("y") - b.position("y")) || (a.position("x") - b.position("x")));
    const counted = state.view === "documents";
    const columns = ["notation", "label", "kind", "level", "jurisdiction", "issuer", ...(counted ? ["tasks", "agencies"] : [])];
    const cell = (data, key) => {
      if (key === "kind") return data.kind === "document" ? (t("types")[data.type] || data.type) : (t("kinds")[data.kind] || data.kind);
      if (key === "level") return data.level ? levelText(data.level) : "";
      return data[key] === undefined ? "" : String(data[key]);
    };
    body.replaceChildren(el("table", { class: "graph-table" },
      el("caption", {}, t("tableCaption")(state.title)),
      el("thead", {}, el("tr", {}, columns.map((key) => el("th", { scope: "col" }, names[key])))),
      el("tbody", {}, nodes.map((node) => {
        const data = node.data();
        return el("tr", { "data-id": data.id }, columns.map((key, i) => i === 0
          ? el("th", { scope: "row" }, el("button", { type: "button", class: "link", onclick: () => focusNode(data.id) }, data.notation || shorten(data.label, 40)))
          : el("td", {}, key === "label" ? data.label : cell(data, key))));
      }))));
  }

  function focusNode(id) {
    const node = window.cy.getElementById(id);
    if (node.empty()) return;
    window.cy.elements().unselect();
    node.select();
    window.cy.center(node);
    showDetails(node.data());
    $("details").focus();
  }

  function graphStyle() {
    const style = [
      { selector: "node", style: {
        label: "data(display)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 150, "text-valign": "center",
        "text-halign": "center", width: 160, height: 52, "border-width": 1, "border-color": "#555", color: "#111",
        "background-color": "#eee", shape: "round-rectangle", "min-zoomed-font-size": 6,
      } },
      { selector: "node.draft", style: { "border-style": "dashed", "border-width": 2 } },
      { selector: "node.highlight", style: { "border-width": 4, "border-color": "#d7191c" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#2166ac" } },
      { selector: "edge", style: {
        label: "data(display)", "font-size": 8, color: "#333", "text-rotation": "autorotate", "text-background-color": "#fff",
        "text-background-opacity": 0.8, "text-background-padding": 1, width: 1.2, "line-color": "#9aa4ae",
        "target-arrow-color": "#9aa4ae", "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8,
        "min-zoomed-font-size": 6,
      } },
      { selector: "edge.level", style: { "curve-style": "unbundled-bezier", "control-point-distances": 38, "control-point-weights": 0.5 } },
      { selector: 'edge[relation = "implements"], edge[relation = "basedOn"]', style: { width: 2.5, "line-color": "#444", "target-arrow-color": "#444" } },
      { selector: 'edge[relation = "basedOn"]', style: { "line-style": "dashed" } },
    ];
    for (const [kind, spec] of Object.entries(KIND_STYLE)) {
      style.push({ selector: `node[kind = "${kind}"]`, style: { "background-color": spec.colour, shape: spec.shape } });
    }
    style.push({ selector: 'node[kind = "agency"]', style: { width: 170, height: 60 } });
    style.push({ selector: 'node[kind = "task"]', style: { width: 170, height: 58, "font-size": 9 } });
    style.push({ selector: 'node[kind = "target"]', style: { width: 120, height: 70, "font-size": 8, "text-max-width": 100 } });
    for (const [type, colour] of Object.entries(TYPE_COLOURS)) {
      style.push({ selector: `node[kind = "document"][type = "${type}"]`, style: { "background-color": colour } });
    }
    // The cascade view: documents carry three lines (number, title, counts); a box per area.
    style.push({ selector: 'node[kind = "document"][tasks >= 0]', style: { width: 210, height: 82, "font-size": 12, "text-max-width": 200 } });
    style.push({ selector: 'node[kind = "agency"][row >= 0]', style: { width: 170, height: 62, "font-size": 11 } });
    style.push({ selector: 'node[kind = "group"]', style: {
      shape: "round-rectangle", "background-color": "#f6f7f9", "background-opacity": 1, "border-color": "#9aa4ae", "border-width": 1,
      label: "data(display)", "text-valign": "top", "text-halign": "center", "font-size": 13, "font-weight": 600, color: "#1b1f24",
      "text-margin-y": -4, padding: 16,
    } });
    for (const [role, colour] of Object.entries(ROLE_COLOURS)) {
      style.push({ selector: `edge[role = "${role}"]`, style: { "line-color": colour, "target-arrow-color": colour, width: 2 } });
    }
    return style;
  }

  // ------------------------------------------------------------------ layered layout

  /* Rank every node: documents by the longest chain above them (a national resolution with
   * nothing above it is rank 0), parts one below their container, an issuer beside its first
   * document, responsible agencies and people at the bottom. Then order each layer by the mean
   * x of its neighbours already placed (one barycentre sweep) and wrap wide layers into rows. */
  function layeredLayout(nodes, edges) {
    const kind = new Map(nodes.map((n) => [n.data.id, n.data.kind]));
    const rank = lineageRanks(nodes, edges);
    // Parts hang below their container; meetings below the document they discuss.
    for (let pass = 0; pass < 6; pass += 1) {
      let changed = false;
      for (const e of edges) {
        const { source, target, relation } = e.data;
        let parent = null;
        let child = null;
        if (OWNS.has(relation) && kind.get(target) !== "agency") { parent = source; child = target; }
        else if (relation === "discusses") { parent = target; child = source; }
        if (parent === null || !rank.has(parent) || kind.get(child) === "document") continue;
        const wanted = rank.get(parent) + 1;
        if (!rank.has(child) || rank.get(child) < wanted) { rank.set(child, wanted); changed = true; }
      }
      if (!changed) break;
    }
    const deepest = Math.max(0, ...[...rank.values()]);
    const responsible = new Set(edges.filter((e) => e.data.role || e.data.relation === "draftedBy" || e.data.relation === "organisedBy")
      .map((e) => e.data.target));
    for (const n of nodes) {
      const id = n.data.id;
      if (rank.has(id)) continue;
      if (n.data.kind === "agency" && !responsible.has(id)) {
        const issued = edges.filter((e) => e.data.relation === "issuedBy" && e.data.target === id && rank.has(e.data.source))
          .map((e) => rank.get(e.data.source));
        if (issued.length) { rank.set(id, Math.min(...issued)); continue; }
      }
      rank.set(id, deepest + 1);
    }
    const neighbours = new Map(nodes.map((n) => [n.data.id, []]));
    for (const e of edges) {
      if (neighbours.has(e.data.source) && neighbours.has(e.data.target)) {
        neighbours.get(e.data.source).push(e.data.target);
        neighbours.get(e.data.target).push(e.data.source);
      }
    }
    const layers = new Map();
    for (const n of nodes) {
      const r = rank.get(n.data.id);
      if (!layers.has(r)) layers.set(r, []);
      layers.get(r).push(n.data);
    }
    const positions = new Map();
    const columnWidth = 220;
    const rowHeight = 95;
    const perRow = 10;
    let y = 0;
    for (const r of [...layers.keys()].sort((a, b) => a - b)) {
      const layer = layers.get(r);
      const centre = (data) => {
        const placed = neighbours.get(data.id).filter((id) => positions.has(id)).map((id) => positions.get(id).x);
        return placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : Infinity;
      };
      const keyed = layer.map((data) => ({ data, x: centre(data), name: (data.notation || "") + (data.date || "") + data.label }));
      keyed.sort((a, b) => (a.x === b.x ? 0 : a.x < b.x ? -1 : 1) || a.name.localeCompare(b.name, "vi"));
      const rows = Math.ceil(keyed.length / perRow);
      keyed.forEach((item, i) => {
        const row = Math.floor(i / perRow);
        const inRow = row === rows - 1 ? keyed.length - row * perRow : perRow;
        const column = i % perRow;
        // Stagger alternate rows so labels of stacked rows do not line up on top of each other.
        const offset = row % 2 ? columnWidth / 2 : 0;
        positions.set(item.data.id, { x: (column - (inRow - 1) / 2) * columnWidth + offset, y: y + row * rowHeight });
      });
      y += rows * rowHeight + 60;
    }
    return positions;
  }

  // ------------------------------------------------------------------ cascade layout

  // Rows of the cascade view, top to bottom: the national documents nothing above carries out,
  // the other national documents (the Government's programmes), then one row per level below.
  const LEVEL_ROWS = { national: 1, provincial: 2, district: 3, commune: 4 };
  const COLUMN = 232;
  const LINE = 118;
  const PER_BLOCK_LINE = 6;
  const ROW_WIDTH = 18 * COLUMN;

  function lineageRanks(nodes, edges) {
    const parents = new Map();
    const isDocument = new Set(nodes.filter((n) => n.data.kind === "document").map((n) => n.data.id));
    for (const e of edges) {
      const { source, target, relation } = e.data;
      if (LINEAGE.has(relation) && isDocument.has(source) && isDocument.has(target)) {
        if (!parents.has(source)) parents.set(source, []);
        parents.get(source).push(target);
      }
    }
    const rank = new Map();
    const visiting = new Set();
    const docRank = (id) => {
      if (rank.has(id)) return rank.get(id);
      if (visiting.has(id)) return 0; // a cycle in the data: cut it here
      visiting.add(id);
      const above = (parents.get(id) || []).map(docRank);
      visiting.delete(id);
      const value = above.length ? Math.max(...above) + 1 : 0;
      rank.set(id, value);
      return value;
    };
    isDocument.forEach(docRank);
    return rank;
  }

  /* Documents in rows by level, each row in boxes by area (a province, a district), each issuer
   * drawn in the row of the documents it issued (once per row and area), so an issuer edge never
   * leaves its row. Returns the elements to draw (issuer copies, area boxes) and their positions. */
  function cascadeLayout(nodes, edges) {
    const byId = new Map(nodes.map((n) => [n.data.id, n.data]));
    const rank = lineageRanks(nodes, edges);
    const documents = nodes.map((n) => n.data).filter((d) => d.kind === "document");
    const rowOf = (d) => (d.level === "national" ? (rank.get(d.id) ? LEVEL_ROWS.national : 0) : (LEVEL_ROWS[d.level] || 5));
    const order = (a, b) => (rank.get(a.id) - rank.get(b.id)) || String(a.date || "").localeCompare(String(b.date || ""))
      || String(a.notation || a.label).localeCompare(String(b.notation || b.label), "vi");
    const blocks = new Map(); // row → area → { documents, items }
    for (const d of documents) {
      const row = rowOf(d);
      if (!blocks.has(row)) blocks.set(row, new Map());
      const area = d.jurisdiction || "—";
      if (!blocks.get(row).has(area)) blocks.get(row).set(area, []);
      blocks.get(row).get(area).push(d);
    }
    const issuedBy = new Map();
    for (const e of edges) {
      if (e.data.relation === "issuedBy" && byId.has(e.data.target)) {
        if (!issuedBy.has(e.data.source)) issuedBy.set(e.data.source, []);
        issuedBy.get(e.data.source).push(e.data.target);
      }
    }
    const outNodes = [];
    const positions = new Map();
    const copyOf = new Map(); // `${document}|${issuer}` → the issuer's id in that document's box
    let y = 0;
    let line = []; // ids on the current line of blocks, centred once the line is full
    const centre = (width) => {
      line.forEach((id) => { positions.get(id).x -= width / 2; });
      line = [];
    };
    for (const row of [...blocks.keys()].sort((a, b) => a - b)) {
      let x = 0;
      let lineTop = y;
      let lineHeight = 0;
      const areas = [...blocks.get(row).keys()].sort((a, b) => a.localeCompare(b, "vi"));
      for (const area of areas) {
        const group = `group:${row}:${area}`;
        outNodes.push({ data: { id: group, kind: "group", label: area, row } });
        const items = [];
        const placed = new Map();
        for (const d of blocks.get(row).get(area).sort(order)) {
          for (const issuer of issuedBy.get(d.id) || []) {
            if (!placed.has(issuer)) {
              const id = `${issuer}#row${row}/${area}`;
              placed.set(issuer, id);
              items.push({ data: { ...byId.get(issuer), id, iri: issuer, row, parent: group } });
            }
            copyOf.set(`${d.id}|${issuer}`, placed.get(issuer));
          }
          items.push({ data: { ...d, row, parent: group } });
        }
        const columns = Math.min(items.length, PER_BLOCK_LINE);
        const width = columns * COLUMN;
        if (x > 0 && x + width > ROW_WIDTH) { // the block starts a new line of blocks in this row
          centre(x - 60 - COLUMN);
          lineTop += lineHeight + 50;
          x = 0;
          lineHeight = 0;
        }
        items.forEach((item, i) => {
          positions.set(item.data.id, { x: x + (i % PER_BLOCK_LINE) * COLUMN, y: lineTop + Math.floor(i / PER_BLOCK_LINE) * LINE });
          outNodes.push(item);
          line.push(item.data.id);
        });
        lineHeight = Math.max(lineHeight, Math.ceil(items.length / PER_BLOCK_LINE) * LINE);
        x += width + 60;
      }
      centre(x - 60 - COLUMN);
      y = lineTop + lineHeight + 90;
    }
    const outEdges = edges.filter((e) => byId.has(e.data.source) && byId.has(e.data.target)).map((e) => {
      if (e.data.relation !== "issuedBy") return e;
      return { data: { ...e.data, target: copyOf.get(`${e.data.source}|${e.data.target}`) || e.data.target } };
    });
    return { nodes: outNodes, edges: outEdges.filter((e) => positions.has(e.data.source) && positions.has(e.data.target)), positions };
  }

  // ------------------------------------------------------------------ details, downloads

  function showDetails(data) {
    state.detailsOf = data;
    const panel = $("details");
    const fields = t("fields");
    const iri = data.iri || data.id; // an issuer drawn in several rows is one resource
    const rows = [];
    const kindName = data.kind === "document" ? (t("types")[data.type] || data.type) : (t("kinds")[data.kind] || data.kind);
    rows.push([fields.kind, kindName]);
    for (const key of ["notation", "date", "issuer", "jurisdiction", "level", "status", "tasks", "agencies"]) {
      if (data[key] === undefined || data[key] === "") continue;
      const value = key === "status" ? statusText(data.status) : key === "level" ? levelText(data.level) : String(data[key]);
      rows.push([fields[key], value]);
    }
    const other = state.lang === "vi" ? data.label_en : data.label;
    const shown = state.lang === "vi" ? data.label : (data.label_en || data.label);
    if (other && other !== shown) rows.push([fields.label_en, other]);
    const tasks = el("div", { class: "tasks" });
    panel.replaceChildren(
      el("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => { panel.hidden = true; } }, "×"),
      el("h3", { id: "details-title" }, shown),
      el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("p", {}, el("a", { href: localPath(iri) }, t("resourcePage"))),
      data.kind === "document" && data.tasks > 0
        ? el("button", { type: "button", class: "show-tasks", "aria-expanded": "false", onclick: (event) => openTasks(iri, tasks, event.currentTarget) }, t("showTasks")(data.tasks))
        : null,
      tasks,
      data.kind === "document" && iri !== state.root
        ? el("button", { type: "button", onclick: () => openLineage(iri, { highlight: [iri] }) }, t("openLineage"))
        : null,
    );
    panel.hidden = false;
  }

  /* A document of the cascade view opened: its tasks, each with the agencies and their roles,
   * from the full view of that document alone (depth 0). */
  async function openTasks(iri, target, button) {
    showStatus(target, t("loadingTasks"));
    button.setAttribute("aria-expanded", "true");
    const url = `/api/export?${new URLSearchParams({ format: "cytoscape", root: iri, direction: "down", depth: "0", max_elements: String(state.maxElements) })}`;
    let body;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      body = await response.json().catch(() => ({}));
      if (!response.ok) { showStatus(target, `${t("graphFailed")}: ${detailText(body, response)}`, true); return; }
    } catch (error) {
      showStatus(target, `${t("graphFailed")}: ${error.message}`, true);
      return;
    }
    const nodes = new Map(body.elements.nodes.map((n) => [n.data.id, n.data]));
    const roles = new Map();
    for (const e of body.elements.edges) {
      if (!e.data.role || !nodes.has(e.data.target)) continue;
      if (!roles.has(e.data.source)) roles.set(e.data.source, []);
      roles.get(e.data.source).push([e.data.role, nodes.get(e.data.target)]);
    }
    const taskList = [...nodes.values()].filter((n) => n.kind === "task").sort((a, b) => (a.ordinal || 0) - (b.ordinal || 0) || a.label.localeCompare(b.label, "vi"));
    target.classList.remove("error");
    target.replaceChildren(
      el("h4", {}, t("tasksOf")),
      taskList.length ? el("ol", { class: "task-list" }, taskList.map((task) => el("li", { "data-task": task.id },
        el("a", { href: localPath(task.id) }, task.label),
        (roles.get(task.id) || []).length ? el("ul", {}, roles.get(task.id).map(([role, agency]) =>
          el("li", {}, roleBadge(role), " ", el("a", { href: localPath(agency.id) }, agency.label)))) : null)))
        : el("p", {}, t("noTasks")));
  }

  function fileStem() {
    const root = window.cy && window.cy.getElementById(state.root);
    const name = root && root.nonempty() ? (root.data("notation") || "lineage") : "lineage";
    return `policykg-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-${$("direction").value}-${$("depth").value}`;
  }

  function saveUrl(url, filename) {
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function downloadPng() {
    const uri = window.cy.png({ output: "base64uri", full: true, scale: 2, bg: "#ffffff" });
    saveUrl(uri, `${fileStem()}.png`);
    return uri;
  }

  function escapeXml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function wrap(text, width) {
    const lines = [];
    let line = "";
    for (const word of String(text).split(/\s+/)) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? `${line} ${word}` : word; }
    }
    if (line) lines.push(line);
    return lines;
  }

  function svgShape(node) {
    const { x, y } = node.position();
    const w = node.width();
    const h = node.height();
    const fill = node.style("background-color");
    const stroke = node.style("border-color");
    const strokeWidth = parseFloat(node.style("border-width")) || 1;
    const dash = node.style("border-style") === "dashed" ? ' stroke-dasharray="5,3"' : "";
    const paint = `fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${dash}`;
    const points = (pairs) => pairs.map(([px, py]) => `${x + px * w / 2},${y + py * h / 2}`).join(" ");
    switch (node.style("shape")) {
      case "ellipse":
        return `<ellipse cx="${x}" cy="${y}" rx="${w / 2}" ry="${h / 2}" ${paint}/>`;
      case "diamond":
        return `<polygon points="${points([[0, -1], [1, 0], [0, 1], [-1, 0]])}" ${paint}/>`;
      case "hexagon":
        return `<polygon points="${points([[-0.5, -1], [0.5, -1], [1, 0], [0.5, 1], [-0.5, 1], [-1, 0]])}" ${paint}/>`;
      case "round-triangle":
        return `<polygon points="${points([[0, -1], [1, 1], [-1, 1]])}" ${paint}/>`;
      case "tag":
        return `<polygon points="${points([[-1, -1], [0.6, -1], [1, 0], [0.6, 1], [-1, 1]])}" ${paint}/>`;
      default:
        return `<rect x="${x - w / 2}" y="${y - h / 2}" width="${w}" height="${h}" rx="8" ${paint}/>`;
    }
  }

  /* The current view as SVG, built from cytoscape's model (positions, sizes, computed colours):
   * no extension needed, and the text stays text (searchable, diacritics intact). */
  function buildSvg() {
    const cy = window.cy;
    const box = cy.elements().boundingBox({ includeLabels: true });
    const pad = 20;
    const parts = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" width="${Math.ceil(box.w + 2 * pad)}" height="${Math.ceil(box.h + 2 * pad)}" font-family="sans-serif">`);
    parts.push(`<title>${escapeXml(state.title)}</title>`);
    parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
    parts.push(`<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#ffffff"/>`);
    cy.edges().forEach((edge) => {
      const s = edge.sourceEndpoint();
      const e = edge.targetEndpoint();
      const m = edge.midpoint();
      const colour = edge.style("line-color");
      const dash = edge.style("line-style") === "dashed" ? ' stroke-dasharray="6,4"' : "";
      parts.push(`<g class="edge" data-relation="${escapeXml(edge.data("relation"))}"><line x1="${s.x}" y1="${s.y}" x2="${e.x}" y2="${e.y}" stroke="${colour}" stroke-width="${parseFloat(edge.style("width")) || 1}"${dash} marker-end="url(#arrow)"/>`
        + `<text x="${m.x}" y="${m.y}" font-size="8" text-anchor="middle" fill="#333">${escapeXml(edge.data("display"))}</text></g>`);
    });
    cy.nodes().forEach((node) => {
      const { x, y } = node.position();
      const lines = wrap(node.data("display"), 26);
      const size = parseFloat(node.style("font-size")) || 10;
      const top = y - ((lines.length - 1) * size * 1.15) / 2 + size * 0.35;
      const text = lines.map((line, i) => `<tspan x="${x}" y="${top + i * size * 1.15}">${escapeXml(line)}</tspan>`).join("");
      parts.push(`<g class="node" data-id="${escapeXml(node.id())}">${svgShape(node)}<text font-size="${size}" text-anchor="middle" fill="#111">${text}</text></g>`);
    });
    parts.push("</svg>");
    return parts.join("\n");
  }

  function downloadSvg() {
    const svg = buildSvg();
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml;charset=utf-8" }));
    saveUrl(url, `${fileStem()}.svg`);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return svg;
  }

  function updateExportLink() {
    const link = $("export-link");
    if (!state.root) return;
    link.href = exportUrl($("export-format").value);
    link.classList.remove("disabled");
    link.removeAttribute("aria-disabled");
  }

  function renderLegend() {
    const legend = $("legend");
    const items = [];
    for (const [type, colour] of Object.entries(TYPE_COLOURS)) items.push([colour, t("types")[type]]);
    for (const [kind, spec] of Object.entries(KIND_STYLE)) if (kind !== "document") items.push([spec.colour, t("kinds")[kind]]);
    for (const [role, colour] of Object.entries(ROLE_COLOURS)) items.push([colour, `→ ${ROLES[role][state.lang]}`]);
    legend.replaceChildren(...items.map(([colour, name]) => el("li", {}, el("span", { class: "swatch", style: `background:${colour}` }), name)));
  }

  function syncUrl() {
    const query = new URLSearchParams();
    if (state.query) query.set("q", state.query);
    if (state.root) query.set("root", state.root);
    if (state.root && $("direction").value !== "both") query.set("direction", $("direction").value);
    if (state.root && $("depth").value !== String(MAX_DEPTH)) query.set("depth", $("depth").value);
    if (state.root && state.view === "documents") query.set("view", "documents");
    if (state.lang === "en") query.set("lang", "en");
    if (state.maxElements !== DEFAULT_MAX_ELEMENTS) query.set("max", String(state.maxElements));
    const text = query.toString();
    window.history.replaceState(null, "", text ? `/?${text}` : "/");
  }

  // ------------------------------------------------------------------ start

  function init() {
    const depth = $("depth");
    for (let d = 0; d <= MAX_DEPTH; d += 1) depth.append(el("option", { value: String(d) }, String(d)));
    depth.value = /^\d+$/.test(params.get("depth") || "") && Number(params.get("depth")) <= MAX_DEPTH ? params.get("depth") : String(MAX_DEPTH);
    const direction = $("direction");
    if (["up", "down", "both"].includes(params.get("direction"))) direction.value = params.get("direction");
    const formats = $("export-format");
    EXPORT_FORMATS.forEach((f) => formats.append(el("option", { value: f }, f)));
    formats.addEventListener("change", updateExportLink);
    const view = $("view");
    view.value = state.view;
    view.addEventListener("change", () => { state.view = view.value; });
    [direction, depth, view].forEach((control) => control.addEventListener("change", () => {
      if (state.root) openLineage(state.root, { highlight: [...state.highlight] });
    }));
    $("results-cards").addEventListener("click", () => { state.resultsView = "cards"; renderResults(); });
    $("results-table").addEventListener("click", () => { state.resultsView = "table"; renderResults(); });
    $("results-csv").addEventListener("click", downloadResultsCsv);
    $("fit").addEventListener("click", () => window.cy && window.cy.fit(undefined, 30));
    $("png").addEventListener("click", downloadPng);
    $("svg").addEventListener("click", downloadSvg);
    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi";
      localStorage.setItem("policykg-lang", state.lang);
      applyLanguage();
      syncUrl();
    });
    $("search").addEventListener("submit", (event) => {
      event.preventDefault();
      const query = $("q").value.normalize("NFC").trim();
      if (query) search(query);
    });
    applyLanguage();
    showStatus($("message"), t("noGraph"));
    if (params.get("q")) {
      $("q").value = params.get("q");
      search(params.get("q").normalize("NFC").trim());
    }
    if (params.get("root")) openLineage(params.get("root").normalize("NFC").trim(), { highlight: [] });
  }

  // For tests and the console: the SVG of the current view, and the PNG data URI.
  window.policykgExplorer = { buildSvg, downloadPng, openLineage, search, resultsCsv };
  init();
})();
