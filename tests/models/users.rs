use copydesk::models::users::{self, UserError, UserForm};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::{both_backends, common::TestApp};

fn form(email: &str, name: &str) -> UserForm {
    UserForm {
        email: email.into(),
        display_name: name.into(),
        bio: String::new(),
        role: "author".into(),
    }
}

both_backends!(
    emails_are_unique_in_any_letter_case,
    |app: TestApp| async move {
        let db = &app.ctx.db;
        let ada = users::Model::create_user(db, &form("Ada@Example.com", "Ada"))
            .await
            .unwrap();
        assert_eq!(ada.email, "Ada@Example.com", "stored as typed");
        assert!(matches!(
            users::Model::create_user(db, &form("ada@example.COM", "Other")).await,
            Err(UserError::EmailTaken)
        ));
        assert_eq!(
            users::Model::find_by_email(db, "ADA@EXAMPLE.COM")
                .await
                .unwrap()
                .map(|u| u.id),
            Some(ada.id)
        );

        // The database enforces it too, for writes that skip the model method.
        let raw = users::ActiveModel {
            email: Set("ADA@example.com".into()),
            display_name: Set("Sneaky".into()),
            slug: Set("sneaky".into()),
            bio: Set(String::new()),
            role: Set("member".into()),
            status: Set("active".into()),
            ..Default::default()
        };
        assert!(
            raw.insert(db).await.is_err(),
            "unique index on lower(email)"
        );
    }
);

both_backends!(user_input_is_validated, |app: TestApp| async move {
    let db = &app.ctx.db;
    let Err(UserError::Invalid(errs)) =
        users::Model::create_user(db, &form("not-an-email", "")).await
    else {
        panic!("accepted")
    };
    assert!(errs.field_errors().contains_key("email"));
    assert!(errs.field_errors().contains_key("display_name"));
    let mut f = form("ok@example.com", "Ok");
    f.role = "emperor".into();
    assert!(matches!(
        users::Model::create_user(db, &f).await,
        Err(UserError::UnknownRole(_))
    ));
    // Two people with one name get distinct slugs.
    let a = users::Model::create_user(db, &form("a@example.com", "Sam Lee"))
        .await
        .unwrap();
    let b = users::Model::create_user(db, &form("b@example.com", "Sam Lee"))
        .await
        .unwrap();
    assert_eq!((a.slug.as_str(), b.slug.as_str()), ("sam-lee", "sam-lee-2"));
});
