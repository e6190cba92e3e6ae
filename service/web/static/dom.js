"use strict";
// Shared by both pages: the one way they make elements. Text goes in as textContent, never as markup.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}
