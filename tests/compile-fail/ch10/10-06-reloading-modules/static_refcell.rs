use std::cell::RefCell;

// A static is shared by every thread, so its type must be `Sync`; `RefCell` is not.
static HISTORY: RefCell<Vec<String>> = RefCell::new(Vec::new());

fn main() {
    HISTORY.borrow_mut().push("started".to_owned());
}
