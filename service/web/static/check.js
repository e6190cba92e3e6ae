"use strict";
// The check page: sends the text to POST /verify and shows each claim in place, coloured by its verdict,
// with its reason and evidence below. Text from the service or the user only ever enters the page through
// textContent, never as markup: a stored passage may contain anything, "<script>" included.

const VERDICT_WORDS = {
  supported: "supported",
  refuted: "refuted",
  not_enough_evidence: "not enough evidence",
};

const form = document.getElementById("check-form");
const textInput = document.getElementById("text");
const topKInput = document.getElementById("top-k");
const button = document.getElementById("verify");
const progress = document.getElementById("progress");
const errorBox = document.getElementById("error");
const results = document.getElementById("results");
const resultsTitle = document.getElementById("results-title");
const annotated = document.getElementById("annotated");
const claimList = document.getElementById("claims");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  verify(textInput.value, topKInput.value);
});

async function verify(text, topK) {
  const request = { raw_text: text };
  if (topK !== "") {
    request.top_k = Number(topK);
  }
  button.disabled = true;
  errorBox.hidden = true;
  progress.textContent = "Checking…";
  try {
    const response = await fetch("/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    const body = await response.json().catch(() => null);
    if (!response.ok || body === null) {
      showError(failureMessage(response, body));
      return;
    }
    showResults(text, body.claims);
    progress.textContent = `${body.claims.length} claim(s) checked in ${Math.round(body.took_ms)} ms.`;
  } catch (error) {
    showError(`The service could not be reached (${error.message}).`);
  } finally {
    button.disabled = false;
  }
}

// The service's own words when it sent them ({"error": {"code", "message"}}), and when to retry.
function failureMessage(response, body) {
  const error = body && body.error ? body.error : {};
  const message = typeof error.message === "string" ? error.message : response.statusText || "the request failed";
  const code = typeof error.code === "string" ? `, ${error.code}` : "";
  const retry = response.headers.get("Retry-After");
  const later = retry ? ` Try again in ${retry} s.` : "";
  return `${message} (HTTP ${response.status}${code}).${later}`;
}

function showError(message) {
  progress.textContent = "";
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function showResults(text, claims) {
  annotated.replaceChildren(...highlighted(text, claims));
  claimList.replaceChildren(...claims.map(claimDetails));
  if (claims.length === 0) {
    claimList.append(element("li", "none", "No claims: questions, fragments and lines without letters are not checked."));
  }
  results.hidden = false;
  resultsTitle.focus();
}

// The text with each claim's span wrapped in a link to its details. Spans count code points, as Python
// does, so the text is cut as an array of code points rather than UTF-16 units.
function highlighted(text, claims) {
  const characters = Array.from(text);
  const nodes = [];
  let done = 0;
  const inOrder = claims.map((claim, index) => ({ claim, number: index + 1 }));
  inOrder.sort((a, b) => a.claim.span.start - b.claim.span.start);
  for (const { claim, number } of inOrder) {
    const { start, end } = claim.span;
    if (start < done) {
      continue; // spans never overlap; if one did, the text is shown once
    }
    nodes.push(document.createTextNode(characters.slice(done, start).join("")));
    const mark = element("a", `claim verdict-${claim.verdict}`, characters.slice(start, end).join(""));
    mark.href = `#claim-${number}`;
    mark.dataset.claim = String(number);
    mark.title = `Claim ${number}: ${verdictWord(claim.verdict)}, score ${claim.score.toFixed(2)}`;
    nodes.push(mark);
    done = end;
  }
  nodes.push(document.createTextNode(characters.slice(done).join("")));
  return nodes;
}

function claimDetails(claim, index) {
  const item = element("li", `verdict-${claim.verdict}`);
  item.id = `claim-${index + 1}`;
  item.tabIndex = -1;
  const heading = element("p", "claim-heading");
  heading.append(
    element("span", `badge verdict-${claim.verdict}`, verdictWord(claim.verdict)),
    ` score ${claim.score.toFixed(2)}`,
  );
  if (claim.from_memory) {
    heading.append(" · as remembered");
  }
  if (claim.truncated) {
    heading.append(" · the model read only its beginning");
  }
  item.append(heading, element("blockquote", "claim-text", claim.claim));
  const reason = claim.reason || {};
  if (reason.explanation) {
    item.append(element("p", "reason", reason.explanation));
  }
  if (claim.evidence.length > 0) {
    item.append(evidenceList(claim.evidence, reason.passage_id));
  }
  return item;
}

function evidenceList(evidence, decidingId) {
  const details = element("details", "evidence");
  details.open = evidence.some((passage) => passage.id === decidingId);
  details.append(element("summary", null, `Evidence (${evidence.length} passage${evidence.length === 1 ? "" : "s"})`));
  const list = element("ol");
  for (const passage of evidence) {
    const item = element("li", passage.id === decidingId ? "deciding" : null);
    item.append(element("p", "passage", passage.text));
    const about = element("p", "source");
    about.append(sourceNode(passage.source), ` · ${passage.id} · similarity ${passage.similarity.toFixed(2)}`);
    if (passage.id === decidingId) {
      about.append(" · the verdict rests on this passage");
    }
    item.append(about);
    list.append(item);
  }
  details.append(list);
  return details;
}

// A link only to a web address: a source such as "javascript:..." is shown as text.
function sourceNode(source) {
  let url = null;
  try {
    url = new URL(source);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    return element("span", null, source || "no source given");
  }
  const link = element("a", null, source);
  link.href = url.href;
  link.rel = "noopener noreferrer";
  return link;
}

function verdictWord(verdict) {
  return VERDICT_WORDS[verdict] || verdict;
}
