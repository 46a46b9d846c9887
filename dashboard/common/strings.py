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
}
