/**
 * The static contributions (manifest, language configuration, snippets) checked against each
 * other, against the source, and against the server's semantic token legend, so that a renamed
 * setting or a new token type cannot slip through unnoticed.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

const root = path.join(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const manifest = JSON.parse(read('package.json'));
const languageConfiguration = JSON.parse(read('language-configuration.json'));
const snippets: Record<string, { prefix: string | string[]; body: string[]; description: string }> = JSON.parse(read('snippets/eghact.json'));
const grammar = read('syntaxes/eghact.tmLanguage.json');

/** VS Code's built-in semantic token types and modifiers (its tokenClassificationRegistry). */
const standardTypes = new Set(['comment', 'string', 'keyword', 'number', 'regexp', 'operator', 'namespace', 'type', 'struct', 'class', 'interface', 'enum', 'typeParameter', 'function', 'method', 'macro', 'variable', 'parameter', 'property', 'enumMember', 'event', 'decorator', 'label']);
const standardModifiers = new Set(['declaration', 'documentation', 'static', 'abstract', 'deprecated', 'modification', 'async', 'readonly', 'defaultLibrary']);

/** The `=> "name"` arms of a Rust match in the server's source: the names it puts on the wire. */
function wireNames(file: string, pattern: RegExp): string[] {
  return [...read(file).matchAll(pattern)].map((match) => match[1]);
}

describe('semantic tokens', () => {
  const declaredTypes = new Map<string, string>(manifest.contributes.semanticTokenTypes.map((t: { id: string; superType: string }) => [t.id, t.superType]));
  const declaredModifiers = new Set(manifest.contributes.semanticTokenModifiers.map((m: { id: string }) => m.id));

  test("every token type in the server's legend is standard or declared with a standard super type", () => {
    const types = wireNames('../crates/lsp/src/handlers/semantic_tokens.rs', /TokenKind::\w+(?:\s*\|\s*TokenKind::\w+)*\s*=>\s*"(\w+)"/g);
    assert.ok(types.includes('component') && types.includes('variable'), `read the legend: ${types}`);
    for (const type of types) {
      assert.ok(standardTypes.has(type) || declaredTypes.has(type), `${type} is neither standard nor declared`);
    }
    for (const [type, superType] of declaredTypes) {
      assert.ok(!standardTypes.has(type), `${type} is already standard`);
      assert.ok(standardTypes.has(superType), `${type}'s super type ${superType} is not standard`);
    }
  });

  test("every token modifier the server sends is standard or declared", () => {
    const modifiers = wireNames('../crates/semantics/src/tokens.rs', /TokenModifier::\w+\s*=>\s*"(\w+)"/g);
    assert.deepEqual(modifiers, ['declaration', 'readonly', 'reactive']);
    for (const modifier of modifiers) {
      assert.ok(standardModifiers.has(modifier) || declaredModifiers.has(modifier), `${modifier} is neither standard nor declared`);
    }
  });

  test('the TextMate fallbacks name scopes the grammar produces', () => {
    for (const { scopes } of manifest.contributes.semanticTokenScopes) {
      for (const [type, fallbacks] of Object.entries(scopes as Record<string, string[]>)) {
        for (const scope of fallbacks) {
          assert.ok(grammar.includes(`"${scope}"`), `${type} falls back to ${scope}, which the grammar never produces`);
        }
      }
    }
  });
});

describe('manifest', () => {
  test('declares every setting the source reads, and reads every setting it declares', () => {
    const source = fs.readdirSync(path.join(root, 'src')).map((file) => read(`src/${file}`)).join('\n');
    const read_ = new Set([...source.matchAll(/\.get<\w+>\('([\w.]+)'/g)].map((match) => `eghact.${match[1]}`));
    const declared = new Set(Object.keys(manifest.contributes.configuration.properties));
    assert.deepEqual([...read_].sort(), [...declared].sort());
  });

  test('targets the VS Code API it is compiled against', () => {
    const types = JSON.parse(read('node_modules/@types/vscode/package.json')).version;
    assert.equal(manifest.engines.vscode, `^${types}`);
  });

  test('maps the grammar\'s embedded scopes to languages', () => {
    const [contribution] = manifest.contributes.grammars;
    for (const scope of Object.keys(contribution.embeddedLanguages)) {
      assert.ok(grammar.includes(` ${scope}"`), `the grammar embeds no ${scope}`);
    }
  });
});

describe('language configuration', () => {
  const regex = (pattern: string | { pattern: string; flags?: string }) =>
    typeof pattern === 'string' ? new RegExp(pattern) : new RegExp(pattern.pattern, pattern.flags);
  const matches = (pattern: RegExp, lines: string[]) => lines.filter((line) => pattern.test(line));

  test('folds blocks and regions', () => {
    const start = regex(languageConfiguration.folding.markers.start);
    const end = regex(languageConfiguration.folding.markers.end);
    const opening = ['  {#if a > b}', '{#each rows as row, i (row.id)}', '{#await p}', '<!-- #region props -->'];
    const closing = ['  {/if}', '{/each}', '{/await }', '<!-- #endregion -->'];
    assert.deepEqual(matches(start, [...opening, ...closing, '{:else}', '{value}']), opening);
    assert.deepEqual(matches(end, [...opening, ...closing, '{:else}', '{value}']), closing);
  });

  test('indents after an open tag or block and outdents at its end', () => {
    const increase = regex(languageConfiguration.indentationRules.increaseIndentPattern);
    const decrease = regex(languageConfiguration.indentationRules.decreaseIndentPattern);
    const opens = ['<div class="a">', '  <Dialog bind:visible={shown}>', '{#if a}', '{#each fmt({ a: 1 }) as x}', '<!-- note'];
    const branches = ['{:else if b}', '{:else}', '{:then v}'];
    const closes = ['</div>', '  </Dialog>', '{/if}', '{/each}', '-->'];
    const neither = ['<input type="text" />', '<p>{x}</p>', '{#if a}b{/if}', '<br>', 'text {value}'];
    const all = [...opens, ...branches, ...closes, ...neither];
    assert.deepEqual(matches(increase, all), [...opens, ...branches]);
    assert.deepEqual(matches(decrease, all), [...branches, ...closes]);
  });

  test('splits a block onto its own lines when Enter is pressed between its tags', () => {
    const blockRule = languageConfiguration.onEnterRules[1];
    assert.ok(regex(blockRule.beforeText).test('{#if ready}'));
    assert.ok(regex(blockRule.afterText).test('{/if}'));
    assert.ok(!regex(blockRule.beforeText).test('{#if a}{/if}'));
  });
});

/** A snippet body as inserted when every placeholder keeps its default (a choice its first
 * option), mirrors (`$2` elsewhere) included. */
function expand(body: string[]): string {
  const defaults = new Map<string, string>();
  let text = body.join('\n');
  let previous;
  do {
    previous = text;
    text = text
      .replace(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g, (_, n: string, first: string) => (defaults.set(n, first), first))
      .replace(/\$\{(\d+):([^${}]*)\}/g, (_, n: string, value: string) => (defaults.set(n, value), value))
      .replace(/\$\{(\d+)\}|\$(\d+)/g, (mirror, braced?: string, bare?: string) => defaults.get(braced ?? bare ?? '') ?? mirror);
  } while (text !== previous);
  return text.replace(/\$\{\d+\}|\$\d+/g, '').replace(/\\\$/g, '$');
}

describe('snippets', () => {
  test('every snippet has a prefix and a description, and expands to text without placeholders', () => {
    for (const [name, snippet] of Object.entries(snippets)) {
      assert.ok(snippet.prefix.length > 0 && snippet.description.length > 0, name);
      assert.doesNotMatch(expand(snippet.body), /\$\{|\$\d/, name);
    }
  });

  test('block snippets close every block they open', () => {
    for (const [name, snippet] of Object.entries(snippets)) {
      const text = expand(snippet.body);
      for (const block of ['if', 'each', 'await']) {
        const opened = text.split(`{#${block} `).length - 1;
        const closed = text.split(`{/${block}}`).length - 1;
        assert.equal(opened, closed, `${name}: {#${block}} opened ${opened} times, closed ${closed} times`);
      }
      for (const tag of ['script', 'template', 'style']) {
        assert.equal(text.split(`<${tag}`).length, text.split(`</${tag}>`).length, `${name}: <${tag}> is not closed`);
      }
    }
  });

  test('covers every template block and directive', () => {
    const bodies = Object.values(snippets).map((snippet) => expand(snippet.body)).join('\n');
    for (const construct of ['{#if ', '{:else if ', '{:else}', '{#each ', '{#await ', '{:then ', '{:catch ', '{@html ', '@click=', 'bind:', 'class:', 'style:', '<slot', '<script lang="ts">', '<style>', 'export let ', '$: ']) {
      assert.ok(bodies.includes(construct), `no snippet writes ${construct}`);
    }
  });

  test('expands the each snippet as written', () => {
    assert.equal(expand(snippets['Each block'].body), '{#each items as item, i (item.id)}\n\t\n{/each}');
  });
});
