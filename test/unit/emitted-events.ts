import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import type { FunctionSpec } from '../../manifest/types';
import { DetailType } from '../../src/domain/events';

/**
 * The detail types a function's code publishes or schedules, found statically: every event leadflow
 * puts on its bus (EventBridgePublisher, or a Scheduler target) is built as an object literal with a
 * `detailType` property, `{ detailType: DetailType.LeadQualified, detail }` (the DomainEvent and
 * OneTimeSchedule shapes). The scan follows what the handler uses, declaration by declaration across
 * imports, so a module that declares several publishers counts only for the ones a function reaches.
 * The same walk finds the detail types a consumer parses: the keys of `leadflowBusEvent({ ... })`.
 */

/** Where a detail type is built: the file (from the project root) and line. */
export interface Emission {
  readonly detailType: DetailType;
  readonly at: string;
}

/** A top-level declaration, or the module's own top-level statements (which run on import). */
type DeclarationKey = `${string}#${string}`;
const MODULE_BODY = '(module)';

interface ModuleInfo {
  /** Top-level declarations by name, with their nodes. */
  readonly declarations: Map<string, ts.Node[]>;
  /** Local names bound by value imports of project files: the file and the name it exports (`*`: a namespace). */
  readonly imports: Map<string, { readonly file: string; readonly name: string }>;
  /** Names exported from another module (`export { a } from './b'`). */
  readonly reExports: Map<string, { readonly file: string; readonly name: string }>;
  /** Top-level statements that declare nothing: run when the module is first imported. */
  readonly body: ts.Node[];
  readonly source: ts.SourceFile;
}

const detailTypeNames = new Map<string, DetailType>(Object.entries(DetailType));
const detailTypeValues = new Set<string>(Object.values(DetailType));

export class EmissionScanner {
  private readonly modules = new Map<string, ModuleInfo>();

  constructor(private readonly root: string) {}

  /** The detail types built in code reachable from the entry module's `handler` export. */
  emissionsOf(entry: string): Emission[] {
    return this.scan(entry).emissions;
  }

  /** The detail types the entry's code parses bus events of, with `leadflowBusEvent`. */
  parsedBy(entry: string): DetailType[] {
    return [...new Set(this.scan(entry).parsed)].sort();
  }

  private scan(entry: string): { emissions: Emission[]; parsed: DetailType[] } {
    const entryFile = resolve(this.root, entry);
    const seen = new Set<DeclarationKey>();
    const pending: [string, string][] = [[entryFile, 'handler'], [entryFile, MODULE_BODY]];
    const emissions: Emission[] = [];
    const parsed: DetailType[] = [];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [file, name] = next;
      const key: DeclarationKey = `${file}#${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const module = this.module(file);
      const reExport = module.reExports.get(name);
      if (reExport) {
        pending.push([reExport.file, reExport.name]);
        continue;
      }
      const nodes = name === MODULE_BODY ? module.body : (module.declarations.get(name) ?? []);
      for (const node of nodes) {
        this.visit(node, module, { emit: (found) => emissions.push(found), parse: (type) => parsed.push(type) }, (target) => {
          pending.push(target);
          // A module's top-level statements run as soon as anything imports it.
          pending.push([target[0], MODULE_BODY]);
        });
      }
    }
    return { emissions, parsed };
  }

  private visit(node: ts.Node, module: ModuleInfo, found: Findings, reach: (target: [string, string]) => void): void {
    // Types have no run-time effect: a parameter typed with a class must not pull in the class's code.
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'detailType') {
      const detailType = detailTypeOf(node.initializer);
      if (detailType) {
        const line = module.source.getLineAndCharacterOfPosition(node.getStart(module.source)).line + 1;
        found.emit({ detailType, at: `${relative(this.root, module.source.fileName)}:${line}` });
      }
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'leadflowBusEvent') {
      node.arguments.flatMap(detailTypesOf).forEach(found.parse);
    }
    if (ts.isIdentifier(node) && isReference(node)) {
      const imported = module.imports.get(node.text);
      if (imported?.name === '*') this.exportedNames(imported.file).forEach((name) => reach([imported.file, name]));
      else if (imported) reach([imported.file, imported.name]);
      else if (module.declarations.has(node.text)) reach([module.source.fileName, node.text]);
    }
    ts.forEachChild(node, (child) => this.visit(child, module, found, reach));
  }

  private exportedNames(file: string): string[] {
    const module = this.module(file);
    return [...module.declarations.keys(), ...module.reExports.keys()];
  }

  private module(file: string): ModuleInfo {
    const known = this.modules.get(file);
    if (known) return known;
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const info: ModuleInfo = { declarations: new Map(), imports: new Map(), reExports: new Map(), body: [], source };
    const declare = (name: string, node: ts.Node) => info.declarations.set(name, [...(info.declarations.get(name) ?? []), node]);
    for (const statement of source.statements) {
      if (ts.isImportDeclaration(statement)) this.recordImport(statement, file, info);
      else if (ts.isExportDeclaration(statement)) this.recordExport(statement, file, info);
      else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
        declare(statement.name.text, statement);
      } else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          for (const name of boundNames(declaration.name)) declare(name, declaration);
        }
      } else if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) info.body.push(statement);
    }
    this.modules.set(file, info);
    return info;
  }

  private recordImport(statement: ts.ImportDeclaration, file: string, info: ModuleInfo): void {
    const clause = statement.importClause;
    const target = this.resolveModule(file, statement.moduleSpecifier);
    if (!clause || clause.isTypeOnly || !target) return;
    if (clause.name) info.imports.set(clause.name.text, { file: target, name: 'default' });
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) info.imports.set(bindings.name.text, { file: target, name: '*' });
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (!element.isTypeOnly) info.imports.set(element.name.text, { file: target, name: (element.propertyName ?? element.name).text });
      }
    }
  }

  private recordExport(statement: ts.ExportDeclaration, file: string, info: ModuleInfo): void {
    if (statement.isTypeOnly || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) return;
    const target = statement.moduleSpecifier ? this.resolveModule(file, statement.moduleSpecifier) : file;
    if (!target) return;
    for (const element of statement.exportClause.elements) {
      const local = (element.propertyName ?? element.name).text;
      if (element.name.text !== local || target !== file) info.reExports.set(element.name.text, { file: target, name: local });
    }
  }

  /** A relative specifier resolved to a source file of the project; packages are outside the scan. */
  private resolveModule(from: string, specifier: ts.Expression): string | undefined {
    if (!ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) return undefined;
    const base = resolve(dirname(from), specifier.text.replace(/\.js$/, ''));
    return [`${base}.ts`, resolve(base, 'index.ts')].find((candidate) => existsSync(candidate));
  }
}

interface Findings {
  readonly emit: (emission: Emission) => void;
  readonly parse: (detailType: DetailType) => void;
}

/** The detail types `leadflowBusEvent`'s argument names: the keys of its `{ [DetailType.X]: XDetail }`. */
function detailTypesOf(argument: ts.Expression): DetailType[] {
  if (!ts.isObjectLiteralExpression(argument)) return [];
  return argument.properties.flatMap((property) => {
    const name = property.name;
    const detailType = name && ts.isComputedPropertyName(name) ? detailTypeOf(name.expression) : name && (ts.isStringLiteral(name) || ts.isIdentifier(name)) ? detailTypeOf(ts.factory.createStringLiteral(name.text)) : undefined;
    return detailType ? [detailType] : [];
  });
}

const propertyName = (name: ts.PropertyName) => (ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined);

/** `DetailType.LeadQualified`, or the detail type's own string `'lead.qualified'`. */
function detailTypeOf(expression: ts.Expression): DetailType | undefined {
  if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && expression.expression.text === 'DetailType') {
    return detailTypeNames.get(expression.name.text);
  }
  if (ts.isStringLiteralLike(expression) && detailTypeValues.has(expression.text)) return expression.text as DetailType;
  return undefined;
}

function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isBindingElement(element) ? boundNames(element.name) : []));
}

/** An identifier that refers to a binding, not one naming a property, a member or a declaration. */
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === node) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  return true;
}

/**
 * Where the manifest and the code disagree: a detail type a function builds that its `emits` does not
 * list, or one it lists that its code never builds. Empty when they agree.
 */
export function emitsMismatches(functions: readonly FunctionSpec[], scanner: EmissionScanner): string[] {
  return functions.flatMap((spec) => {
    const emissions = scanner.emissionsOf(spec.entry);
    const listed = new Set<string>(spec.emits ?? []);
    const built = new Set<string>(emissions.map((emission) => emission.detailType));
    const unlisted = [...built].filter((type) => !listed.has(type)).sort().map((type) => {
      const where = emissions.filter((emission) => emission.detailType === type).map((emission) => emission.at);
      return `${spec.name} emits ${type} (built at ${[...new Set(where)].sort().join(', ')}) but its manifest entry does not list it in emits`;
    });
    const neverBuilt = [...listed].filter((type) => !built.has(type)).sort().map((type) => `${spec.name} lists ${type} in emits but its code never publishes or schedules it`);
    return [...unlisted, ...neverBuilt];
  });
}
