//! The `liandong` command line.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::access::store::NewAccount;
use crate::db::Db;

#[derive(Parser)]
#[command(
    name = "liandong",
    version,
    about = "联动 Liandong: coordination for community offices, organisations and volunteers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database URL: sqlite://PATH (default: DATA_DIR/liandong.db) or postgres://…
    #[arg(long = "database", env = "LIANDONG_DATABASE_URL")]
    database: Option<String>,
    /// Folder for the embedded SQLite database.
    #[arg(long, env = "LIANDONG_DATA_DIR", default_value = "data")]
    data_dir: String,
}

impl DbArgs {
    fn url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}/liandong.db",
                self.data_dir.trim_end_matches('/')
            )
        })
    }

    async fn connect(&self) -> anyhow::Result<Db> {
        Db::connect(&self.url()).await
    }
}

/// The city's needs the demo adds (once) beside its scenario.
#[derive(clap::Args)]
struct CityArgs {
    /// Needs across Xi'an's 13 districts in every state, over the three
    /// weeks before now (0 for none).
    #[arg(long = "demo-needs", default_value_t = 400)]
    needs: usize,
    /// How many of them are still open.
    #[arg(long = "demo-open", default_value_t = 100)]
    open: usize,
    /// Volunteers recruited across the city, in squads of five (0 for none);
    /// streets are sealed until about a quarter can still move.
    #[arg(long = "demo-volunteers", default_value_t = 8000)]
    volunteers: usize,
    /// Contacts the squads recorded over the last day (households served,
    /// vehicles driven).
    #[arg(long = "demo-work", default_value_t = 2000)]
    work: usize,
    /// Rows of the railway list the screening team gets (with a roaming
    /// and a venue list overlapping it; 0 for none).
    #[arg(long = "demo-subjects", default_value_t = 1000)]
    subjects: usize,
    /// Care recipients across the city's communities, each with a guardian
    /// and a backup from their street where it has volunteers (0 for none;
    /// needs the volunteers).
    #[arg(long = "demo-care", default_value_t = 3000)]
    care: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "LIANDONG_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the Xi'an demo scenario (once) and print its accounts.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        city: CityArgs,
        /// A reverse proxy (address or CIDR block) whose X-Forwarded-For is
        /// believed; repeat, or comma-separate in the variable.
        #[arg(
            long = "trusted-proxy",
            env = "LIANDONG_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<String>,
        /// The address people open (https://… makes the session cookie
        /// Secure and sends HSTS).
        #[arg(long, env = "LIANDONG_PUBLIC_URL")]
        public_url: Option<String>,
        /// The home jurisdiction (division code): public requests are read
        /// near it, and held by it when their place cannot be read.
        #[arg(long, env = "LIANDONG_HOME", default_value = "6101")]
        home: String,
        /// The hotline residents call, shown to them after a request.
        #[arg(long, env = "LIANDONG_HOTLINE", default_value = "12345")]
        hotline: String,
        /// Let an admin set the server's clock (PUT /api/clock): for
        /// browser tests that replay a night; never in a deployment.
        #[arg(long, hide = true)]
        settable_clock: bool,
        /// Days what a squad touched still counts as contact: no other
        /// squad may touch it, nor a member move to another squad.
        #[arg(long, env = "LIANDONG_EXPOSURE_DAYS", default_value_t = crate::squads::model::EXPOSURE_DAYS,
              value_parser = clap::value_parser!(u16).range(1..=60))]
        exposure_days: u16,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load the Xi'an demo scenario (idempotent) and print its accounts.
    Demo {
        #[command(flatten)]
        city: CityArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The administrative division tree.
    Divisions {
        #[command(subcommand)]
        command: DivisionsCommand,
    },
    /// Screening lists (排查).
    Screening {
        #[command(subcommand)]
        command: ScreeningCommand,
    },
}

#[derive(Subcommand)]
enum ScreeningCommand {
    /// Import a list (xlsx, or CSV in UTF-8 or GB18030): its columns found
    /// from the headers (or as this source's last list had them), the good
    /// rows taken, every bad row named by line and field; sent twice, taken
    /// once.
    Import {
        file: std::path::PathBuf,
        /// Where the list comes from (a department, a platform).
        #[arg(long)]
        source: String,
        /// a (back by public transport), b (roaming phones), c (key
        /// venues) or self (people who reported themselves).
        #[arg(long)]
        kind: String,
        /// The account importing it: its office's area is where people
        /// with no known residence are dealt.
        #[arg(long = "as", value_name = "USERNAME")]
        account: String,
        /// The home jurisdiction (for an account of the whole country).
        #[arg(long, env = "LIANDONG_HOME", default_value = "6101")]
        home: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account. The password is read from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// admin, coordinator, operator, caseworker, screener, volunteer or viewer.
        #[arg(long)]
        role: String,
        /// Organisation id or exact name.
        #[arg(long)]
        org: String,
        /// Division code of the account's jurisdiction; omit for the whole country.
        #[arg(long, default_value = "")]
        jurisdiction: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum DivisionsCommand {
    /// Resolve free-text addresses to divisions: one address per line (stdin
    /// when no FILE), CSV out (address,code,level,… in input order).
    Resolve {
        file: Option<std::path::PathBuf>,
        /// Resolve this column of a CSV or xlsx FILE and append the results.
        #[arg(long)]
        column: Option<String>,
        /// Read the addresses as an office of this division (a code, e.g.
        /// 610113) would: a name that fits places far apart (新城区) is
        /// taken as the one nearest it, and the row says so.
        #[arg(long, value_name = "CODE")]
        near: Option<String>,
    },
    /// Find divisions by name, former name or code prefix.
    Search {
        text: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LIANDONG_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("liandong: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the chain of contexts, outermost first.
            eprintln!("liandong: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Proxies as CIDR blocks; a plain address is its own block.
fn parse_proxies(list: &[String]) -> anyhow::Result<Vec<ipnet::IpNet>> {
    list.iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| format!("--trusted-proxy {s:?} is not an address or CIDR block"))
        })
        .collect()
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            demo,
            city,
            trusted_proxies,
            public_url,
            home,
            hotline,
            settable_clock,
            exposure_days,
            db,
        } => {
            let home = home.trim().to_owned();
            if !home.is_empty() && divisions::Tree::china().find(&home).is_none() {
                anyhow::bail!("--home {home}: no division has this code");
            }
            let started = std::time::Instant::now();
            let settings = crate::web::Settings {
                trusted_proxies: parse_proxies(&trusted_proxies)?,
                public_url,
                home,
                hotline,
                settable_clock,
                exposure_days,
            };
            let db = db.connect().await?;
            if demo {
                let report = crate::demo::load(&db).await?;
                print!("{report}");
                print!(
                    "{}",
                    crate::demo::load_city(&db, city.needs, city.open).await?
                );
                print!(
                    "{}",
                    crate::demo::load_roster(&db, city.volunteers, city.work).await?
                );
                print!("{}", crate::demo::load_screening(&db, city.subjects).await?);
                print!("{}", crate::demo::load_care(&db, city.care).await?);
            }
            // Parse the national tree before the first request needs it.
            let tree = divisions::Tree::china();
            let running = crate::serve::start_with(&listen, db, settings).await?;
            println!(
                "liandong listening on http://{} ({} database, {} divisions, ready in {} ms)",
                running.addr,
                running.db.engine(),
                tree.len(),
                started.elapsed().as_millis()
            );
            std::io::stdout().flush().ok();
            running.wait().await
        }
        Command::Migrate { db } => {
            let db = db.connect().await?;
            println!("migrations applied ({} database)", db.engine());
            db.close().await;
            Ok(())
        }
        Command::Demo { city, db } => {
            let db = db.connect().await?;
            print!("{}", crate::demo::load(&db).await?);
            print!(
                "{}",
                crate::demo::load_city(&db, city.needs, city.open).await?
            );
            print!(
                "{}",
                crate::demo::load_roster(&db, city.volunteers, city.work).await?
            );
            print!("{}", crate::demo::load_screening(&db, city.subjects).await?);
            print!("{}", crate::demo::load_care(&db, city.care).await?);
            db.close().await;
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    username,
                    display_name,
                    role,
                    org,
                    jurisdiction,
                    db,
                },
        } => {
            let db = db.connect().await?;
            let org_id = find_org(&db, &org).await?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let account = NewAccount {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password: password.trim_end_matches(['\r', '\n']).to_owned(),
                role,
                org_id,
                jurisdiction_code: jurisdiction,
            };
            match crate::access::store::create(&db, None, &account).await {
                Ok(id) => println!("created account {} (id {id})", account.username),
                Err(crate::web::error::AppError::Invalid(errors)) => {
                    let lang = crate::web::i18n::Lang::Zh;
                    let msgs: Vec<String> = errors
                        .0
                        .iter()
                        .map(|e| format!("{}: {}", e.field, lang.t(e.key)))
                        .collect();
                    bail!("{}", msgs.join("; "));
                }
                Err(e) => return Err(anyhow::anyhow!(e)),
            }
            db.close().await;
            Ok(())
        }
        Command::Screening {
            command:
                ScreeningCommand::Import {
                    file,
                    source,
                    kind,
                    account,
                    home,
                    db,
                },
        } => {
            let kind = crate::screening::model::ListKind::from_letter(&kind)
                .ok_or_else(|| anyhow::anyhow!("--kind {kind}: a, b, c or self"))?;
            let db = db.connect().await?;
            let report =
                crate::screening::cli::import(&db, &file, &source, kind, &account, &home).await;
            db.close().await;
            println!("{}", report?);
            Ok(())
        }
        Command::Divisions {
            command: DivisionsCommand::Resolve { file, column, near },
        } => crate::divisions::resolve::run(file.as_deref(), column.as_deref(), near.as_deref()),
        Command::Divisions {
            command: DivisionsCommand::Search { text, limit },
        } => {
            let tree = divisions::Tree::china();
            let mut out = std::io::stdout().lock();
            writeln!(out, "code,level,name,full_name")?;
            for hit in tree.search(&text, None, limit) {
                let d = tree.division(hit.id);
                writeln!(
                    out,
                    "{},{},{},{}",
                    d.code(),
                    d.level(),
                    d.name(),
                    d.full_name()
                )?;
            }
            Ok(())
        }
    }
}

async fn find_org(db: &Db, org: &str) -> anyhow::Result<i64> {
    let mut tx = db.read().await?;
    let by_id: Option<i64> = org.parse().ok();
    let found = crate::fetch_optional!(
        &mut tx,
        (i64,),
        "SELECT id FROM orgs WHERE id = $1 OR name = $2",
        by_id.unwrap_or(-1),
        org,
    )?;
    match found {
        Some((id,)) => Ok(id),
        None => bail!("no organisation with id or name {org:?}"),
    }
}
