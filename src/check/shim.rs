//! TEMPORARY stand-ins for crate::jsonpath and crate::reference while they are written.
#![allow(dead_code)]
use crate::imageref::ImageRef;

#[derive(Debug, Clone)]
pub struct JsonPath(String);
impl JsonPath {
    pub fn parse(t: &str) -> Result<JsonPath, String> {
        Ok(JsonPath(t.to_string()))
    }
    pub fn text(&self) -> &str {
        &self.0
    }
    pub fn find_strings(&self, _o: &serde_json::Value) -> Result<Vec<String>, String> {
        Ok(vec![])
    }
    pub fn visit(&self, _o: &serde_json::Value) -> Result<Vec<serde_json::Value>, String> {
        Ok(vec![])
    }
}

#[derive(Debug, Clone)]
pub struct Named(ImageRef, String);
impl Named {
    pub fn parse_normalized(s: &str) -> Result<Named, String> {
        ImageRef::parse(s)
            .map(|r| Named(r, s.to_string()))
            .ok_or_else(|| "invalid reference format".to_string())
    }
    pub fn familiar_name(&self) -> String {
        self.0.path.clone()
    }
    pub fn familiar_string(&self) -> String {
        self.1.clone()
    }
    pub fn tag(&self) -> Option<&str> {
        self.0.tag.as_deref()
    }
}
impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}
#[derive(Debug, Clone)]
pub struct RefSelector(Named, bool);
impl RefSelector {
    pub fn new(n: &Named) -> Self {
        RefSelector(n.clone(), n.tag().is_some())
    }
    pub fn with_exact_match(self) -> Self {
        RefSelector(self.0, true)
    }
    pub fn matches(&self, r: &Named) -> bool {
        r.familiar_name() == self.0.familiar_name() && (!self.1 || r.tag() == self.0.tag())
    }
}
pub fn did_you_mean(_u: &str, c: &[String]) -> Vec<String> {
    c.iter().take(3).cloned().collect()
}
