//! The `Upstash-Retry-Delay` expression language: arithmetic over `retried` with
//! pow/exp/sqrt/abs/floor/ceil/round/min/max. The result is a delay in milliseconds.

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Retried,
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// A parsed, validated retry-delay expression.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryDelay {
    source: String,
    expr: Expr,
}

impl RetryDelay {
    /// Parses an expression; the error names the problem.
    pub fn parse(src: &str) -> Result<Self, String> {
        let mut p = Parser {
            s: src.as_bytes(),
            i: 0,
            depth: 0,
        };
        let expr = p.expr()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!(
                "unexpected '{}' at position {}",
                p.s[p.i] as char,
                p.i + 1
            ));
        }
        let d = RetryDelay {
            source: src.trim().to_string(),
            expr,
        };
        d.eval(0)?;
        Ok(d)
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Delay in milliseconds for the given `retried` value (0 on the first retry).
    pub fn delay_ms(&self, retried: u32) -> Result<u64, String> {
        let v = self.eval(retried)?;
        Ok(v.clamp(0.0, 86_400_000.0) as u64)
    }

    fn eval(&self, retried: u32) -> Result<f64, String> {
        let v = eval(&self.expr, f64::from(retried))?;
        if v.is_nan() {
            return Err("expression is not a number".into());
        }
        Ok(v)
    }
}

fn eval(e: &Expr, retried: f64) -> Result<f64, String> {
    Ok(match e {
        Expr::Num(n) => *n,
        Expr::Retried => retried,
        Expr::Neg(a) => -eval(a, retried)?,
        Expr::Bin(op, a, b) => {
            let (a, b) = (eval(a, retried)?, eval(b, retried)?);
            match op {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                '/' => a / b,
                '%' => a % b,
                _ => return Err(format!("unknown operator '{op}'")),
            }
        }
        Expr::Call(f, args) => {
            let v: Vec<f64> = args
                .iter()
                .map(|a| eval(a, retried))
                .collect::<Result<_, _>>()?;
            let want = |n: usize| -> Result<(), String> {
                if v.len() == n {
                    Ok(())
                } else {
                    Err(format!("{f}() takes {n} argument(s), got {}", v.len()))
                }
            };
            match f.as_str() {
                "pow" => {
                    want(2)?;
                    v[0].powf(v[1])
                }
                "min" => {
                    want(2)?;
                    v[0].min(v[1])
                }
                "max" => {
                    want(2)?;
                    v[0].max(v[1])
                }
                "exp" | "sqrt" | "abs" | "floor" | "ceil" | "round" => {
                    want(1)?;
                    match f.as_str() {
                        "exp" => v[0].exp(),
                        "sqrt" => v[0].sqrt(),
                        "abs" => v[0].abs(),
                        "floor" => v[0].floor(),
                        "ceil" => v[0].ceil(),
                        _ => v[0].round(),
                    }
                }
                other => return Err(format!("unknown function '{other}'")),
            }
        }
    })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err("expression nested too deeply".into());
        }
        let mut lhs = self.term()?;
        while let Some(c @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            let rhs = self.term()?;
            lhs = Expr::Bin(c as char, Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut lhs = self.unary()?;
        while let Some(c @ (b'*' | b'/' | b'%')) = self.peek() {
            self.i += 1;
            let rhs = self.unary()?;
            lhs = Expr::Bin(c as char, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(b'-') => {
                self.i += 1;
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            Some(b'+') => {
                self.i += 1;
                self.unary()
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.peek() {
            None => Err("unexpected end of expression".into()),
            Some(b'(') => {
                self.i += 1;
                let e = self.expr()?;
                if self.peek() != Some(b')') {
                    return Err("missing ')'".into());
                }
                self.i += 1;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || self.s[self.i] == b'.')
                {
                    self.i += 1;
                }
                let txt = String::from_utf8_lossy(&self.s[start..self.i]);
                txt.parse::<f64>()
                    .map(Expr::Num)
                    .map_err(|_| format!("invalid number '{txt}'"))
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
                {
                    self.i += 1;
                }
                let name = String::from_utf8_lossy(&self.s[start..self.i]).to_string();
                if self.peek() == Some(b'(') {
                    self.i += 1;
                    let mut args = Vec::new();
                    if self.peek() == Some(b')') {
                        self.i += 1;
                    } else {
                        loop {
                            args.push(self.expr()?);
                            match self.peek() {
                                Some(b',') => self.i += 1,
                                Some(b')') => {
                                    self.i += 1;
                                    break;
                                }
                                _ => {
                                    return Err(format!("expected ',' or ')' in call to {name}()"));
                                }
                            }
                        }
                    }
                    Ok(Expr::Call(name, args))
                } else if name == "retried" {
                    Ok(Expr::Retried)
                } else {
                    Err(format!(
                        "unknown variable '{name}' (only 'retried' is defined)"
                    ))
                }
            }
            Some(c) => Err(format!(
                "unexpected '{}' at position {}",
                c as char,
                self.i + 1
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(
            RetryDelay::parse("1000").unwrap().delay_ms(3).unwrap(),
            1000
        );
        assert_eq!(
            RetryDelay::parse("1000 * (1 + retried)")
                .unwrap()
                .delay_ms(2)
                .unwrap(),
            3000
        );
        assert_eq!(
            RetryDelay::parse("pow(2, retried) * 1000")
                .unwrap()
                .delay_ms(3)
                .unwrap(),
            8000
        );
        assert_eq!(
            RetryDelay::parse("max(1000, pow(2, retried) * 100)")
                .unwrap()
                .delay_ms(0)
                .unwrap(),
            1000
        );
        assert_eq!(
            RetryDelay::parse("7000 * retried")
                .unwrap()
                .delay_ms(2)
                .unwrap(),
            14000
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "1000 *",
            "foo",
            "pow(2)",
            "1000)",
            "sqrt(",
            "retried retried",
            "nope(1)",
        ] {
            assert!(RetryDelay::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
