// Highlighting for .sync text in the page: CodeMirror's stream parser over the lexer's own
// keyword list, so the page colours exactly the words the language reserves.
import { StreamLanguage, type StreamParser } from "@codemirror/language";
import { KEYWORDS } from "../../language/lexer/tokens.js";

const keywords = new Set(KEYWORDS);

const parser: StreamParser<{ inString: boolean }> = {
  startState: () => ({ inString: false }),
  token(stream, state) {
    if (state.inString) {
      while (!stream.eol()) {
        const c = stream.next();
        if (c === "\\") stream.next();
        else if (c === '"') {
          state.inString = false;
          break;
        }
      }
      return "string";
    }
    if (stream.eatSpace()) return null;
    if (stream.match("#")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.eat('"')) {
      state.inString = true;
      return parser.token(stream, state);
    }
    if (stream.match(/^(<->|->|<-|==|!=|<=|>=)/)) return "operator";
    if (stream.match(/^\d+(\.\d+)?/)) return "number";
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      if (word[0] === "true" || word[0] === "false" || word[0] === "null") return "atom";
      if (keywords.has(word[0])) return "keyword";
      return stream.peek() === "(" ? "variableName.function" : "variableName";
    }
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
};

export const syncLanguage = StreamLanguage.define(parser);
