//! An nginx-faithful reader, written from `ngx_conf_read_token` and `ngx_conf_parse`
//! independently of proxylint's parser: it has no recovery, and stops where nginx stops.
//! The differential test uses it to neutralise configurations, to place mutations on real
//! tokens, and to make sure no mutant makes nginx resolve a host name.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    Word {
        quoted: bool,
    },
    /// The `;` that ends a statement.
    Semi,
    /// The `{` that opens a block.
    Open,
    /// A `}`.
    Close,
}

/// One token; `start..end` covers quotes, and `value` is what nginx sees (quotes removed,
/// escapes applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
    pub value: String,
}

/// One statement: its words, how it ends, and its block.
#[derive(Debug, Clone)]
pub struct Stmt {
    pub words: Vec<Tok>,
    /// Offset of the `;` or `{` that ends the head.
    pub head_end: usize,
    pub block: Option<Vec<Stmt>>,
    /// From the name to the `;` or the closing `}` (inclusive end offset).
    pub start: usize,
    pub end: usize,
}

impl Stmt {
    pub fn name(&self) -> &str {
        &self.words[0].value
    }

    pub fn args(&self) -> &[Tok] {
        &self.words[1..]
    }
}

/// Every token nginx reads before its first error, and that error (offset, message).
pub struct Lexed {
    pub toks: Vec<Tok>,
    pub error: Option<(usize, String)>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// nginx's unescaping of a token: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`.
fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            let next = raw[i + 1];
            let replaced = match next {
                b'"' | b'\'' | b'\\' => Some(next),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'n' => Some(b'\n'),
                _ => None,
            };
            if let Some(b) = replaced {
                out.push(b);
                i += 2;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The tokenizer's state between bytes, named as in `ngx_conf_read_token`.
#[derive(Default)]
struct State {
    need_space: bool,
    last_space: bool,
    sharp_comment: bool,
    variable: bool,
    quoted: bool,
    s_quoted: bool,
    d_quoted: bool,
    start: usize,
    /// Words read since the last `;`, `{` or `}`.
    args: usize,
}

/// Tokenizes `src` exactly as nginx does, up to its first error.
pub fn lex(src: &[u8]) -> Lexed {
    let mut toks = Vec::new();
    let mut st = State {
        last_space: true,
        ..State::default()
    };
    let mut i = 0;
    while i < src.len() {
        if let Err(message) = step(src, i, &mut st, &mut toks) {
            return Lexed {
                toks,
                error: Some((i, message)),
            };
        }
        i += 1;
    }
    let error =
        (st.args > 0 || !st.last_space).then(|| (src.len(), "unexpected end of file".to_string()));
    Lexed { toks, error }
}

fn push(toks: &mut Vec<Tok>, kind: TokKind, start: usize, end: usize, value: String) {
    toks.push(Tok {
        kind,
        start,
        end,
        value,
    });
}

/// One byte of `ngx_conf_read_token`'s loop.
fn step(src: &[u8], i: usize, st: &mut State, toks: &mut Vec<Tok>) -> Result<(), String> {
    let ch = src[i];
    if ch == b'\n' && st.sharp_comment {
        st.sharp_comment = false;
    }
    if st.sharp_comment {
        return Ok(());
    }
    if st.quoted {
        st.quoted = false;
        return Ok(());
    }
    if st.need_space {
        if is_space(ch) {
            st.last_space = true;
            st.need_space = false;
            return Ok(());
        }
        match ch {
            b';' => return end_statement(toks, st, TokKind::Semi, i),
            b'{' => return end_statement(toks, st, TokKind::Open, i),
            b')' => {
                st.last_space = true;
                st.need_space = false;
            }
            _ => return Err(format!("unexpected \"{}\"", ch as char)),
        }
    }
    if st.last_space {
        return token_start(src, i, st, toks);
    }
    in_token(src, i, st, toks)
}

fn end_statement(
    toks: &mut Vec<Tok>,
    st: &mut State,
    kind: TokKind,
    i: usize,
) -> Result<(), String> {
    let text = if kind == TokKind::Semi { ";" } else { "{" };
    push(toks, kind, i, i + 1, text.to_string());
    st.args = 0;
    st.need_space = false;
    st.last_space = true;
    Ok(())
}

fn token_start(_src: &[u8], i: usize, st: &mut State, toks: &mut Vec<Tok>) -> Result<(), String> {
    let ch = _src[i];
    st.start = i;
    if is_space(ch) {
        return Ok(());
    }
    match ch {
        b';' | b'{' => {
            if st.args == 0 {
                return Err(format!("unexpected \"{}\"", ch as char));
            }
            let kind = if ch == b';' {
                TokKind::Semi
            } else {
                TokKind::Open
            };
            end_statement(toks, st, kind, i)
        }
        b'}' => {
            if st.args != 0 {
                return Err("unexpected \"}\"".to_string());
            }
            push(toks, TokKind::Close, i, i + 1, "}".to_string());
            Ok(())
        }
        b'#' => {
            st.sharp_comment = true;
            Ok(())
        }
        b'\\' => {
            st.quoted = true;
            st.last_space = false;
            Ok(())
        }
        b'"' => {
            st.d_quoted = true;
            st.last_space = false;
            Ok(())
        }
        b'\'' => {
            st.s_quoted = true;
            st.last_space = false;
            Ok(())
        }
        b'$' => {
            st.variable = true;
            st.last_space = false;
            Ok(())
        }
        _ => {
            st.last_space = false;
            Ok(())
        }
    }
}

fn in_token(src: &[u8], i: usize, st: &mut State, toks: &mut Vec<Tok>) -> Result<(), String> {
    let ch = src[i];
    if ch == b'{' && st.variable {
        return Ok(());
    }
    st.variable = false;
    if ch == b'\\' {
        st.quoted = true;
        return Ok(());
    }
    if ch == b'$' {
        st.variable = true;
        return Ok(());
    }
    let found = if st.d_quoted || st.s_quoted {
        let quote = if st.d_quoted { b'"' } else { b'\'' };
        if ch != quote {
            return Ok(());
        }
        st.d_quoted = false;
        st.s_quoted = false;
        st.need_space = true;
        let value = unescape(&src[st.start + 1..i]);
        push(toks, TokKind::Word { quoted: true }, st.start, i + 1, value);
        true
    } else if is_space(ch) || ch == b';' || ch == b'{' {
        st.last_space = true;
        let value = unescape(&src[st.start..i]);
        push(toks, TokKind::Word { quoted: false }, st.start, i, value);
        true
    } else {
        false
    };
    if found {
        st.args += 1;
        match ch {
            b';' => return end_statement(toks, st, TokKind::Semi, i),
            b'{' => return end_statement(toks, st, TokKind::Open, i),
            _ => {}
        }
    }
    Ok(())
}

/// The statements nginx reads before its first error (lexical or structural), and that
/// error's offset. Blocks left open by an error or by the end of the file are kept with
/// what they hold so far.
pub struct Tree {
    pub stmts: Vec<Stmt>,
    pub error: Option<usize>,
}

/// Builds statements from tokens as `ngx_conf_parse` does.
pub fn parse(src: &[u8]) -> Tree {
    let lexed = lex(src);
    let mut error = lexed.error.as_ref().map(|(at, _)| *at);
    let mut stack: Vec<(Vec<Tok>, usize, Vec<Stmt>)> = Vec::new();
    let mut top = Vec::new();
    let mut words = Vec::new();
    for tok in lexed.toks {
        match tok.kind {
            TokKind::Word { .. } => words.push(tok),
            TokKind::Semi => {
                let w = std::mem::take(&mut words);
                let stmt = Stmt {
                    start: w[0].start,
                    end: tok.end,
                    head_end: tok.start,
                    words: w,
                    block: None,
                };
                current(&mut stack, &mut top).push(stmt);
            }
            TokKind::Open => stack.push((std::mem::take(&mut words), tok.start, Vec::new())),
            TokKind::Close => match stack.pop() {
                Some((w, open, children)) => {
                    let stmt = Stmt {
                        start: w[0].start,
                        end: tok.end,
                        head_end: open,
                        words: w,
                        block: Some(children),
                    };
                    current(&mut stack, &mut top).push(stmt);
                }
                None => {
                    error.get_or_insert(tok.start);
                    break;
                }
            },
        }
    }
    if !stack.is_empty() {
        error.get_or_insert(src.len());
    }
    while let Some((w, open, children)) = stack.pop() {
        let end = children.last().map_or(open + 1, |c: &Stmt| c.end);
        let stmt = Stmt {
            start: w[0].start,
            end,
            head_end: open,
            words: w,
            block: Some(children),
        };
        current(&mut stack, &mut top).push(stmt);
    }
    Tree { stmts: top, error }
}

fn current<'a>(
    stack: &'a mut [(Vec<Tok>, usize, Vec<Stmt>)],
    top: &'a mut Vec<Stmt>,
) -> &'a mut Vec<Stmt> {
    match stack.last_mut() {
        Some((_, _, children)) => children,
        None => top,
    }
}

/// Calls `f` on every statement, depth first, with the name of the block it sits in
/// (empty at the top).
pub fn walk<'a>(stmts: &'a [Stmt], parent: &str, f: &mut dyn FnMut(&'a Stmt, &str)) {
    for stmt in stmts {
        f(stmt, parent);
        if let Some(children) = &stmt.block {
            walk(children, stmt.name(), f);
        }
    }
}
