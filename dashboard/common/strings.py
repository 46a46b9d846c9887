"""Shell strings: navbar, tabs, shared controls, errors."""

STRINGS = {
    "app.title": {"en": "EduLoop", "ja": "EduLoop"},
    "app.tagline": {"en": "Education analytics that closes the loop",
                    "ja": "予測から改善までをつなぐ教育データ分析"},
    "nav.predict": {"en": "Predict", "ja": "予測"},
    "nav.ebpm": {"en": "EBPM", "ja": "EBPM（効果検証）"},
    "nav.recommend": {"en": "Recommend", "ja": "教材推薦"},
    "nav.operations": {"en": "Operations", "ja": "運用"},
    "nav.language": {"en": "Language", "ja": "言語"},
    "common.download_csv": {"en": "Download CSV", "ja": "CSVをダウンロード"},
    "common.download_xlsx": {"en": "Download Excel", "ja": "Excelをダウンロード"},
    "common.all": {"en": "All", "ja": "すべて"},
    "common.no_data": {"en": "No data for this selection.", "ja": "この条件に該当するデータがありません。"},
    "common.error_title": {"en": "Something went wrong", "ja": "エラーが発生しました"},
    "common.error_body": {"en": "The request failed and was logged ({kind}). The app keeps running; try again.",
                          "ja": "処理に失敗し、記録しました（{kind}）。アプリは動作を続けています。もう一度お試しください。"},
    "common.warehouse_missing": {
        "en": "The warehouse has not been built yet. Run: python -m pipelines build",
        "ja": "データウェアハウスがまだ作成されていません。python -m pipelines build を実行してください。"},
    "common.demo_mode": {"en": "Open demo mode: no admin password is set.",
                         "ja": "デモモード（管理者パスワード未設定のため誰でも操作できます）"},
    "common.share_link": {"en": "Link to this view", "ja": "この画面へのリンク"},
    "common.students_unit": {"en": "students", "ja": "人"},
    "common.refreshed_at": {"en": "Warehouse refreshed at {when}", "ja": "データ更新: {when}"},
    "common.not_found": {"en": "Page not found", "ja": "ページが見つかりません"},
    "common.demo_badge": {"en": "Demo data (generated)", "ja": "デモデータ（生成）"},
    "common.demo_badge_tip": {"en": "Computed from rows the demo generator invented, not from real records.",
                              "ja": "デモ用に生成した架空のデータから計算しています。実データではありません。"},
    "common.empty.students.title": {"en": "No students yet", "ja": "生徒データはまだありません"},
    "common.empty.students": {"en": "Load them with: python -m pipelines ingest-students FILE.csv",
                              "ja": "python -m pipelines ingest-students FILE.csv で読み込んでください。"},
    "common.empty.materials.title": {"en": "No learning materials yet", "ja": "教材データはまだありません"},
    "common.empty.materials": {"en": "Load them with: python -m pipelines ingest-materials FILE.csv",
                               "ja": "python -m pipelines ingest-materials FILE.csv で読み込んでください。"},
    "common.empty.interactions.title": {"en": "No learning activity yet", "ja": "学習履歴はまだありません"},
    "common.empty.interactions": {
        "en": "Load it with: python -m pipelines ingest-interactions FILE (CSV, or --format xapi for an LMS "
              "export), then run python -m pipelines recsys.",
        "ja": "python -m pipelines ingest-interactions FILE（CSV、LMS の書き出しは --format xapi）で読み込み、"
              "python -m pipelines recsys を実行してください。"},
    "common.empty.events.title": {"en": "No events yet", "ja": "イベントはまだありません"},
    "common.empty.events": {
        "en": "Use the app or send events to POST /api/v1/events; pipelines ingest-events loads event logs.",
        "ja": "アプリを使うか POST /api/v1/events にイベントを送ってください。"
              "イベントログは python -m pipelines ingest-events で読み込めます。"},
    "common.empty.outcomes.title": {"en": "No real outcomes yet", "ja": "実際の結果はまだありません"},
    "common.empty.outcomes": {
        "en": "Performance over time needs real predictions (app or API) of students whose true scores are "
              "loaded; none are paired yet.",
        "ja": "性能の推移には、実際の予測（アプリまたはAPI）と、その生徒の実際の得点の組が必要です。まだありません。"},
    # Dash's own component texts (dashboard/common/localise.py)
    "common.dropdown.select_all": {"en": "Select All", "ja": "すべて選択"},
    "common.dropdown.deselect_all": {"en": "Deselect All", "ja": "選択をすべて解除"},
    "common.dropdown.selected_count": {"en": "{num_selected} selected", "ja": "{num_selected} 件選択"},
    "common.dropdown.search": {"en": "Search", "ja": "検索"},
    "common.dropdown.clear_search": {"en": "Clear search", "ja": "検索をクリア"},
    "common.dropdown.clear_selection": {"en": "Clear selection", "ja": "選択をクリア"},
    "common.dropdown.no_options_found": {"en": "No options found", "ja": "該当する選択肢がありません"},
    "common.date.display_format": {"en": "YYYY-MM-DD", "ja": "YYYY/MM/DD"},
    "common.date.month_format": {"en": "MMMM YYYY", "ja": "YYYY年M月"},
    "common.date.placeholder": {"en": "Select Date", "ja": "日付を選択"},
    "common.date.start": {"en": "Start Date", "ja": "開始日"},
    "common.date.end": {"en": "End Date", "ja": "終了日"},
}
