//! A small streaming CSV reader (RFC 4180: quoted fields, doubled quotes,
//! line breaks inside quotes, CRLF), enough for the ESCO files and lean:
//! the `csv` crate would bring two crates for what is a page of code here.

use std::io::BufRead;

use crate::Error;

/// One record and the line it starts on (1-based), for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

pub(crate) struct Reader<R> {
    inner: R,
    /// Lines consumed so far.
    line: usize,
    /// Bytes consumed so far, for progress.
    bytes: u64,
    buf: String,
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            line: 0,
            bytes: 0,
            buf: String::new(),
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next record, skipping blank lines; `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<Record>, Error> {
        loop {
            match self.read_record()? {
                Some(r) if r.fields.len() == 1 && r.fields[0].is_empty() => continue,
                other => return Ok(other),
            }
        }
    }

    fn read_line(&mut self) -> Result<usize, Error> {
        self.buf.clear();
        let n = self.inner.read_line(&mut self.buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::Invalid(format!(
                    "line {}: not UTF-8 text; save the file as UTF-8",
                    self.line + 1
                ))
            } else {
                Error::Io(e)
            }
        })?;
        self.bytes += n as u64;
        if n > 0 {
            self.line += 1;
        }
        Ok(n)
    }

    fn read_record(&mut self) -> Result<Option<Record>, Error> {
        if self.read_line()? == 0 {
            return Ok(None);
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        // Where we are within the current field.
        #[derive(PartialEq)]
        enum State {
            Start,
            Unquoted,
            Quoted,
            AfterQuote,
        }
        let mut state = State::Start;
        loop {
            let mut chars = self.buf.chars().peekable();
            while let Some(c) = chars.next() {
                match state {
                    State::Quoted => {
                        if c == '"' {
                            if chars.peek() == Some(&'"') {
                                field.push('"');
                                chars.next();
                            } else {
                                state = State::AfterQuote;
                            }
                        } else if c == '\r' && chars.peek() == Some(&'\n') {
                            // CRLF inside a quoted field is one line break.
                        } else {
                            field.push(c);
                        }
                    }
                    _ if c == ',' => {
                        fields.push(std::mem::take(&mut field));
                        state = State::Start;
                    }
                    _ if c == '\n' || c == '\r' => {}
                    State::Start if c == '"' => state = State::Quoted,
                    State::Start | State::Unquoted => {
                        if c == '"' {
                            return Err(Error::Invalid(format!(
                                "line {}: a quote inside an unquoted field; quote the whole \
                                 field and double the quotes inside it (\"\")",
                                self.line
                            )));
                        }
                        field.push(c);
                        state = State::Unquoted;
                    }
                    State::AfterQuote => {
                        return Err(Error::Invalid(format!(
                            "line {}: text after a closing quote; a quote inside a quoted \
                             field must be doubled (\"\")",
                            self.line
                        )));
                    }
                }
            }
            if state != State::Quoted {
                break;
            }
            if self.read_line()? == 0 {
                return Err(Error::Invalid(format!(
                    "line {start_line}: a quoted field is never closed (the file ends inside it)"
                )));
            }
        }
        fields.push(field);
        Ok(Some(Record {
            line: start_line,
            fields,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> Result<Vec<Record>, Error> {
        let mut r = Reader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }

    #[test]
    fn reads_quoted_fields_with_commas_quotes_and_line_breaks() {
        let recs =
            read_all("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n1,\"two\r\nlines\"\nlast,\n").unwrap();
        assert_eq!(recs.len(), 4);
        assert_eq!(recs[0].fields, ["a", "b"]);
        assert_eq!(recs[1].fields, ["x, y", "say \"hi\""]);
        assert_eq!(recs[2].line, 4);
        assert_eq!(recs[2].fields, ["1", "two\nlines"]);
        assert_eq!(recs[3].line, 6);
        assert_eq!(recs[3].fields, ["last", ""]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = read_all("a,b\nc,\"open\n").unwrap_err().to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = read_all("a,b\nc,d\ne,f\"g\n").unwrap_err().to_string();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = read_all("a,\"b\"c\n").unwrap_err().to_string();
        assert!(err.starts_with("line 1:"), "{err}");
    }
}
